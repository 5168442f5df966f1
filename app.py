"""The WSGI application and the `flask --app app ...` commands: the web faces with the `tthc` command line.

On a database whose revision is not this code's (not upgraded yet, or upgraded by a newer tthc) the application
still starts, and every request answers 503 `database_not_upgraded` with Retry-After (JSON under /api/, a
maintenance page elsewhere; what to do, `tthc db upgrade`, is in the server's log), until the database is
upgraded, when it serves again without a restart (engine.web.create_app).
Refusing at import instead would also refuse `flask --app app db upgrade`, the command that cures it, since
the commands are registered on this same application."""
from engine.cli import errors_told, register
from engine.web import create_app

with errors_told():  # a wrong setting is told in one line naming it, with `tthc`'s exit code (never a traceback)
    app = create_app()
register(app)
