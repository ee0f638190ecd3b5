#!/bin/sh
# Waits until the Temporal cluster answers as healthy, then makes sure the namespace exists with
# a retention long enough for the GDPR 72-hour clock and the post-incident review
# (docs/production.md). Run from the temporalio/admin-tools image; safe to run again.
set -eu
address=${TEMPORAL_ADDRESS:-temporal:7233}
namespace=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_NAMESPACE_RETENTION:-30d}

tries=0
until temporal operator cluster health --address "$address" | grep -q SERVING; do
  tries=$((tries + 1))
  [ "$tries" -ge 60 ] && { echo "Temporal at $address is not healthy after 60 tries"; exit 1; }
  sleep 2
done

if temporal operator namespace describe -n "$namespace" --address "$address" >/dev/null 2>&1; then
  temporal operator namespace update -n "$namespace" --retention "$retention" --address "$address"
  echo "namespace $namespace exists; retention set to $retention"
else
  temporal operator namespace create -n "$namespace" --retention "$retention" --address "$address"
  echo "namespace $namespace created with retention $retention"
fi
