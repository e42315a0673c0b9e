#!/usr/bin/env bash
# As Kafka's bin/connect-distributed.sh, which images/connect's connect-start execs: Connect's
# logging and a 2G heap unless the caller sets them, then the distributed worker.
set -euo pipefail
(( $# >= 1 )) || { echo "USAGE: $0 connect-distributed.properties" >&2; exit 1; }
home=$(cd "$(dirname "$0")/.." && pwd)
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$home/config/connect-log4j2.properties}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256M -Xmx2G}
exec "$home/bin/kafka-run-class.sh" org.apache.kafka.connect.cli.ConnectDistributed "$@"
