"""Static files ship precompressed, as whitenoise serves them: gzip and Brotli beside every text asset."""

import gzip

import brotli
from django.core.management import call_command
from django.test import Client


def test_collectstatic_writes_brotli_and_gzip_copies_of_the_editor_bundle(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    bundle = tmp_path / "web" / "editor.js"
    raw = bundle.read_bytes()
    assert brotli.decompress((tmp_path / "web" / "editor.js.br").read_bytes()) == raw
    assert gzip.decompress((tmp_path / "web" / "editor.js.gz").read_bytes()) == raw
    # What a browser downloads for the editor (bench/README.md tracks the whole page's weight).
    assert (tmp_path / "web" / "editor.js.br").stat().st_size < 120_000


def test_production_serves_the_collected_brotli_copy_not_the_apps_original(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False  # production: DEBUG off and no override
    call_command("collectstatic", interactive=False, verbosity=0)
    response = Client().get("/static/web/editor.js", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    body = b"".join(response.streaming_content)
    assert response["Content-Encoding"] == "br"
    assert body == (tmp_path / "web" / "editor.js.br").read_bytes()
