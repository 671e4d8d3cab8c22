from newsledger.cli import app

app(prog_name="newsledger")
