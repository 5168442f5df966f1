"""The WSGI application and the `flask --app app ...` commands: the web faces with the `tthc` command line."""
from engine.cli import errors_told, register
from engine.web import create_app

with errors_told():  # a wrong setting is told in one line naming it, with `tthc`'s exit code (never a traceback)
    app = create_app()
register(app)
