"""The baseline of bench/http.py: a bare Flask view that reads the body and answers 201."""

from flask import Flask, request

app = Flask(__name__)


@app.post("/api/formulaires/enrollment")
def accept():
    request.get_data()
    return {"ok": True}, 201
