"""Static files ship precompressed, as whitenoise serves them: gzip and Brotli beside every text asset."""

import gzip

import brotli
from django.core.management import call_command


def test_collectstatic_writes_brotli_and_gzip_copies_of_the_editor_bundle(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    bundle = tmp_path / "web" / "editor.js"
    raw = bundle.read_bytes()
    assert brotli.decompress((tmp_path / "web" / "editor.js.br").read_bytes()) == raw
    assert gzip.decompress((tmp_path / "web" / "editor.js.gz").read_bytes()) == raw
    # What a browser downloads for the editor (bench/README.md tracks the whole page's weight).
    assert (tmp_path / "web" / "editor.js.br").stat().st_size < 120_000
