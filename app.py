"""The WSGI application and the `flask --app app ...` commands: the web faces with the `tthc` command line.

On a database whose revision is not this code's (not upgraded yet, or upgraded by a newer tthc) the application
still starts, and every request answers 503 saying what to do (`tthc db upgrade`: JSON under /api/, a page
elsewhere), until the database is upgraded, when it serves again without a restart (engine.web.create_app).
Refusing at import instead would also refuse `flask --app app db upgrade`, the command that cures it, since
the commands are registered on this same application."""
from engine.cli import errors_told, register
from engine.web import create_app

with errors_told():  # a wrong setting is told in one line naming it, with `tthc`'s exit code (never a traceback)
    app = create_app()
register(app)
