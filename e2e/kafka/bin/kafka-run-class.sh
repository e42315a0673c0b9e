#!/usr/bin/env bash
# The part of Kafka's bin/kafka-run-class.sh that the e2e check needs (the release tarball is not on
# Maven Central, so KAFKA_HOME=e2e/kafka stands in for /opt/kafka): the same environment variables
# and JVM options, with the jars fetched by e2e/kafka/fetch-jars. JMX stays local (no JMX_PORT).
set -euo pipefail
(( $# >= 1 )) || { echo "usage: $0 classname [opts]" >&2; exit 1; }
home=$(cd "$(dirname "$0")/.." && pwd)
libs=$home/.deps/libs
[[ -d "$libs" ]] || { echo "kafka-run-class.sh: no jars in $libs: run e2e/kafka/fetch-jars" >&2; exit 2; }
log_dir=${LOG_DIR:-$home/.deps/logs}
mkdir -p "$log_dir"
# Word splitting of the *_OPTS variables is intended, as in the original script.
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xmx256M} \
    ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true} \
    -Dkafka.logs.dir="$log_dir" \
    ${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$home/config/tools-log4j2.properties} \
    -cp "$libs/*" ${KAFKA_OPTS:-} "$@"
