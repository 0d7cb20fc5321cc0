"""What image uploads cost: the security review's 6300×6300 noise JPEG (about 6 MB).

    .venv/bin/python bench/uploads.py [--visitors 4] [--each 2] [--side 6300]

1. One image, each way in a fresh process: decoded and re-encoded as before the bound (full
   size, no reduced decode) beside `chat.uploads.check` now. Wall and CPU time, the process's
   peak RSS over what it held before, and what would be stored.
2. A real server (tests/stack.py: uvicorn as the Procfile runs it, on a throwaway SQLite
   database): visitors × each uploads at once while `GET config` is timed every 0.2 s. Per
   upload time and status, the server's peak RSS (VmHWM) and the slowest `GET config`: first
   with the bound lifted (IMAGE_WORK_SLOTS=64, no maximum side, a 32 MB byte limit: how it
   behaved before), then with the defaults, in the same run.

A measurement, not a test: it exits 0 whatever the figures.
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIFTED = {
    "DESTEK_IMAGE_WORK_SLOTS": "64",
    "DESTEK_ATTACHMENT_MAX_IMAGE_SIDE": "100000",
    "DESTEK_ATTACHMENT_MAX_BYTES": str(32 * 2**20),
}


def noise_jpeg(side: int) -> bytes:
    from PIL import Image

    pixels = random.Random(1).randbytes(side * side * 3)
    out = io.BytesIO()
    # Quality 16 puts 6300×6300 of noise at about 6 MB, the review's file.
    Image.frombytes("RGB", (side, side), pixels).save(out, "JPEG", quality=16)
    return out.getvalue()


def process_before(data: bytes) -> tuple[bytes, tuple[int, int]]:
    """The pipeline as it was: full decode, orientation, quality-90 re-encode, thumbnail."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as probe:
        probe.verify()
    with Image.open(io.BytesIO(data)) as image:
        first = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        first.save(out, "JPEG", quality=90, optimize=True)
        thumb = first.copy()
        thumb.thumbnail((320, 320))
        thumb.convert("RGB").save(io.BytesIO(), "WEBP", quality=80, method=4)
        return out.getvalue(), first.size


def one(way: str, path: str) -> None:
    """Child process: one image one way; prints a JSON line of figures."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from chat import uploads

    data = Path(path).read_bytes()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over an exec from the parent.
    before_mb = peak_rss_mb(os.getpid())
    started, cpu = time.perf_counter(), time.process_time()
    if way == "before":
        content, size = process_before(data)
    else:
        checked = uploads.check(data=data, name="noise.jpg")
        content, size = checked.content, (checked.width, checked.height)
    print(
        json.dumps(
            {
                "wall": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
                "rss": peak_rss_mb(os.getpid()) - before_mb,
                "stored": len(content),
                "size": size,
            }
        )
    )


def single_image(path: Path) -> None:
    print(f"1. one image ({path.stat().st_size / 2**20:.1f} MB), each in a fresh process")
    print(f"   {'':<22}{'wall s':>8}{'cpu s':>8}{'peak RSS +MB':>14}{'stored MB':>11}  size")
    for way, label in (("before", "before (unbounded)"), ("now", "chat.uploads.check")):
        output = subprocess.run(
            [sys.executable, __file__, "--one", way, str(path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        f = json.loads(output.strip().splitlines()[-1])
        print(
            f"   {label:<22}{f['wall']:>8.2f}{f['cpu']:>8.2f}{f['rss']:>14.0f}"
            f"{f['stored'] / 2**20:>11.1f}  {f['size'][0]}×{f['size'][1]}"
        )


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = "benchboundary7d1"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="noise.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return (
        head + data + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def upload(port: int, token: str, conversation: int, body: bytes, content_type: str):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/widget/v1/conversations/{conversation}/attachments",
        data=body,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
        method="POST",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 - loopback
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def server_run(stack, label: str, extra_env: dict, data: bytes, visitors: int, each: int):
    from tests.stack import widget_post

    saved = dict(stack.env)
    stack.env.update(extra_env)
    port = stack.start_server()
    stack.env.clear()
    stack.env.update(saved)
    pid = stack.servers[port].pid
    chats = []
    for _visitor in range(visitors):
        token = widget_post(port, "session", {"widget_key": "demo"})["visitor_token"]
        conversation = widget_post(port, "conversations", {"body": "hi"}, token)["id"]
        chats.append((token, conversation))
    config_url = f"http://127.0.0.1:{port}/api/widget/v1/config?widget_key=demo"
    urllib.request.urlopen(config_url, timeout=30).read()  # warm
    idle_mb = peak_rss_mb(pid)
    body, content_type = multipart(data)
    results, config_times, done = [], [], threading.Event()

    def poll_config():
        while not done.is_set():
            started = time.perf_counter()
            urllib.request.urlopen(config_url, timeout=120).read()
            config_times.append(time.perf_counter() - started)
            time.sleep(0.2)

    def one_upload(token, conversation):
        results.append(upload(port, token, conversation, body, content_type))

    poller = threading.Thread(target=poll_config)
    poller.start()
    threads = [
        threading.Thread(target=one_upload, args=chat) for chat in chats for _n in range(each)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = time.perf_counter() - started
    done.set()
    poller.join()
    times = sorted(t for _status, t in results)
    statuses = {}
    for status, _t in results:
        statuses[status] = statuses.get(status, 0) + 1
    print(
        f"   {label:<22}{total:>8.1f}{times[0]:>8.1f}{times[-1]:>8.1f}"
        f"{peak_rss_mb(pid) - idle_mb:>13.0f}{max(config_times):>12.2f}"
        f"{sorted(config_times)[len(config_times) // 2]:>10.3f}  {statuses}"
    )
    stack.kill_server(port)


def server(path: Path, visitors: int, each: int) -> None:
    from tests.stack import Stack

    data = path.read_bytes()
    print(f"\n2. a uvicorn server, {visitors} visitors × {each} uploads at once, GET config polled")
    print(
        f"   {'':<22}{'all s':>8}{'min s':>8}{'max s':>8}{'peak RSS +MB':>13}"
        f"{'config max':>12}{'median':>10}  statuses"
    )
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(Path(tmp))
        # Its own SQLite file and in-memory channel layer, whatever the shell has set.
        stack.admin_url = ""
        stack.env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        stack.env.pop("REDIS_URL", None)
        stack.env["DESTEK_SESSION_RATE_LIMIT"] = "0"
        stack.setup()
        try:
            server_run(stack, "bound lifted (before)", LIFTED, data, visitors, each)
            server_run(stack, "defaults (now)", {}, data, visitors, each)
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=4)
    parser.add_argument("--each", type=int, default=2)
    parser.add_argument("--side", type=int, default=6300)
    parser.add_argument("--one", nargs=2, metavar=("WAY", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(*args.one)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "noise.jpg"
        path.write_bytes(noise_jpeg(args.side))
        single_image(path)
        server(path, args.visitors, args.each)


if __name__ == "__main__":
    main()
