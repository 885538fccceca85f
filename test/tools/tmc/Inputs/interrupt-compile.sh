#!/usr/bin/env bash
# interrupt-compile.sh OUT SIGNAL TMC ARGS...: starts `TMC ARGS... -o OUT`,
# waits until its temporary artifact directory OUT.tmp-* exists, sends
# SIGNAL, and prints the exit status.
out=$1 signal=$2; shift 2
"$@" -o "$out" &
pid=$!
for _ in $(seq 2000); do
  compgen -G "$out.tmp*" > /dev/null && break
  sleep 0.005
done
compgen -G "$out.tmp*" > /dev/null || { echo "no temporary directory appeared"; exit 1; }
kill "-$signal" "$pid"
wait "$pid"
echo "exit status $?"
