"""The widget's shipped scripts: built from their sources, and small."""

import gzip

import pytest

from chat import widget_build


@pytest.mark.parametrize("name", widget_build.NAMES)
def test_the_shipped_script_is_the_build_of_its_source(name):
    # Edit static/widget/src/<name>, then `make widget`.
    assert widget_build.target(name).read_text() == widget_build.build(name)


def test_the_loader_stays_under_two_kilobytes_gzipped():
    shipped = widget_build.target("loader.js").read_bytes()
    assert len(gzip.compress(shipped, compresslevel=9, mtime=0)) <= 2048


def test_the_build_keeps_template_literals_as_written():
    # A minifier that collapsed the space in `${n} ${label}` would change what users read.
    shipped = widget_build.target("widget.js").read_text()
    assert "`msg msg-${type}`" in shipped
