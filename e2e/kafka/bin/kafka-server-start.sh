#!/usr/bin/env bash
# As Kafka's bin/kafka-server-start.sh: broker logging and a 1G heap unless the caller sets them.
set -euo pipefail
(( $# >= 1 )) || { echo "USAGE: $0 server.properties [--override property=value]*" >&2; exit 1; }
home=$(cd "$(dirname "$0")/.." && pwd)
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$home/config/log4j2.properties}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
exec "$home/bin/kafka-run-class.sh" kafka.Kafka "$@"
