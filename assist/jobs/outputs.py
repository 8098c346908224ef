"""Files a background job leaves for its starter: encrypted at rest, private, purged, served.

Batch prints (assist.documents.jobs) and large list exports (assist.exports.jobs) keep their
output the same way: a private folder per job under STORAGE_DIR/<area>/<id> (0700), the file
written through `assist.core.crypto.EncryptedWriter` (AES-GCM, 0600), deleted after its
retention period, and streamed back decrypted to the user the domain's check lets through.
"""

from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app

from assist.centres.scoping import not_found
from assist.core.crypto import read_encrypted


def output_dir(area: str, ident: int) -> Path:
    """The job's private folder (created on first use)."""
    root = Path(current_app.config["STORAGE_DIR"]) / area
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = root / str(ident)
    path.mkdir(exist_ok=True, mode=0o700)
    return path


def delete_output(area: str, ident: int, paths=()) -> int:
    """Delete the job's folder and the files named in `paths`; return how many were removed."""
    folder = Path(current_app.config["STORAGE_DIR"]) / area / str(ident)
    files = {Path(p) for p in paths if p}
    if folder.is_dir():
        files |= {p for p in folder.iterdir() if p.is_file()}
    removed = 0
    for path in files:
        if path.exists():
            path.unlink()
            removed += 1
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return removed


def retention_days(setting: str) -> int:
    return int(current_app.config[setting])


def open_output(path: str, *, purpose: str):
    """The decrypted chunks of a stored output; a missing or foreign file is a 404."""
    if not path or not Path(path).exists():
        raise not_found()
    try:
        return read_encrypted(path, purpose=purpose)
    except ValueError:  # not ours (e.g. stored in the clear by an earlier version): never served
        raise not_found() from None


def download_response(chunks, *, filename: str, mimetype: str) -> Response:
    """Stream a decrypted output as an attachment that no cache keeps."""
    response = Response(chunks, mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "no-store"
    return response
