"""Customer API entry point."""

from flask import Flask

from app import settings

app = Flask(__name__)
app.config.from_object(settings)


@app.get("/health")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
