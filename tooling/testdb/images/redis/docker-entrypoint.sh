#!/bin/sh
# Like the official image's entrypoint: bare options or a .conf file go to redis-server, which runs
# as user redis with protected mode off (unless the arguments set it), so the host can connect
# through the published port without a password. Any other command runs as given.
set -e

case "$1" in -* | *.conf) set -- redis-server "$@" ;; esac

if [ "$1" = redis-server ]; then
  shift
  case " $* " in
    *" --protected-mode"*) ;;
    *) case "$1" in
         *.conf) conf="$1"; shift; set -- "$conf" --protected-mode no "$@" ;;
         *) set -- --protected-mode no "$@" ;;
       esac ;;
  esac
  set -- redis-server "$@"
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
