#!/usr/bin/env bash
# The operations guide's backup script (run from cron: daily 02:00, weekly Sunday 03:00,
# monthly on the 1st at 04:00).
#   backup.sh daily|weekly|monthly [--verify]
# SQLite (DATABASE_URL=sqlite:...): boka-admin backup, an online snapshot with a manifest,
#   retention 7 daily / 4 weekly / 12 monthly.
# PostgreSQL (DATABASE_URL=postgresql://...): pg_dump -Fc as BACKUP_DATABASE_URL (a superuser
#   or BYPASSRLS role: the tables force row level security), the same retention; --verify
#   restores the dump into a scratch database and checks its audit chains with boka-admin.
# Backups go to BACKUP_DIR (default /opt/backups/boka). Exit 0 done, 1 failed.
set -euo pipefail
kind="${1:-}"
verify=0
[ "${2:-}" = "--verify" ] && verify=1
case "$kind" in
  daily) keep=7 ;;
  weekly) keep=4 ;;
  monthly) keep=12 ;;
  *) echo "usage: backup.sh daily|weekly|monthly [--verify]" >&2; exit 2 ;;
esac
: "${DATABASE_URL:?set DATABASE_URL}"
dir="${BACKUP_DIR:-/opt/backups/boka}"
admin="${BOKA_ADMIN:-boka-admin}"
log() { echo "backup.sh: $*" >&2; }

case "$DATABASE_URL" in
  sqlite:*)
    args=(backup "$kind" --dir "$dir" --keep "$keep")
    [ "$verify" = 1 ] && args+=(--verify)
    "$admin" "${args[@]}"
    ;;
  postgresql://*|postgres://*)
    : "${BACKUP_DATABASE_URL:?set BACKUP_DATABASE_URL (a superuser or BYPASSRLS role)}"
    mkdir -p "$dir/$kind"
    file="$dir/$kind/boka-$kind-$(date -u +%Y%m%d-%H%M%S).dump"
    log "pg_dump to $file"
    pg_dump --format=custom --file="$file.partial" "$BACKUP_DATABASE_URL"
    mv "$file.partial" "$file"
    sha256sum "$file" > "$file.sha256"
    if [ "$verify" = 1 ]; then
      scratch="boka_verify_$$"
      admin_url="${BACKUP_DATABASE_URL%/*}"
      psql -q "$admin_url/postgres" -c "CREATE DATABASE $scratch" >/dev/null
      trap 'psql -q "$admin_url/postgres" -c "DROP DATABASE IF EXISTS $scratch" >/dev/null' EXIT
      pg_restore --exit-on-error --dbname="$admin_url/$scratch" "$file"
      "$admin" --database "$admin_url/$scratch" verify-audit
      log "verified: restored into $scratch and the audit chains are intact"
    fi
    # Retention: the newest $keep dumps of this kind.
    ls -1t "$dir/$kind"/boka-"$kind"-*.dump 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do
      rm -f "$old" "$old.sha256"; log "removed old backup $old"
    done
    "$admin" heartbeat backup
    ;;
  *) echo "backup.sh: DATABASE_URL must be sqlite:... or postgresql://..." >&2; exit 2 ;;
esac
