"""backup → wipe → restore brings every row and every stored file back, the ledger clean."""

from pathlib import Path

from flask import current_app
from sqlalchemy import text

from assist.core.backup import counts
from assist.extensions import db


def _wipe() -> None:
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
    if db.engine.dialect.name == "sqlite":
        path = Path(db.engine.url.database)
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)


def test_backup_wipe_restore_round_trip(runner, seeded_demo, tmp_path):
    seeded = seeded_demo  # flask seed-demo, run once for the whole suite, with its files
    assert seeded.exit_code == 0, seeded.output
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    stored = Path(current_app.config["STORAGE_DIR"]) / "attachments" / "sample.pdf"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-1.4 sample")
    before = counts()
    assert before["applicants"] > 300 and before["ledger_entries"] > 10
    assert before["payments"] > 0 and before["aid_cases"] > 30
    db.session.rollback()

    made = runner.invoke(args=["backup", str(tmp_path / "bk")])
    assert made.exit_code == 0, made.output
    _wipe()
    stored.unlink()
    assert not db.inspect(db.engine).get_table_names()

    back = runner.invoke(args=["restore", "--yes", str(tmp_path / "bk")])
    assert back.exit_code == 0, back.output
    assert counts() == before
    assert stored.read_bytes() == b"%PDF-1.4 sample"
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0 and "clean" in verify.output, verify.output
