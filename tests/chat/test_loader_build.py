"""The loader every host page downloads: built from its source, and small."""

import gzip

from chat import loader_build


def test_the_shipped_loader_is_the_build_of_its_source():
    # Edit static/widget/src/loader.js, then `make widget`.
    assert loader_build.TARGET.read_text() == loader_build.build()


def test_the_loader_stays_under_two_kilobytes_gzipped():
    assert len(gzip.compress(loader_build.TARGET.read_bytes(), compresslevel=9, mtime=0)) <= 2048
