from balas.cli import app

app()
