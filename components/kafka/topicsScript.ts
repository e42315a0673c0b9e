// The topics Job's script: waits for the cluster, then makes every declared topic exist with at
// least its partitions and exactly its configs. Safe to re-run; never deletes or shrinks a topic.
import { TopicSettings } from "../../config/types";

function topicConfigs(topic: TopicSettings): string {
    // Quoted by the caller: the cleanup policy "compact,delete" contains a comma, which
    // kafka-configs.sh --add-config expects inside brackets.
    const policy = topic.cleanupPolicy.includes(",") ? `[${topic.cleanupPolicy}]` : topic.cleanupPolicy;
    return `cleanup.policy=${policy},retention.ms=${topic.retentionMs}`;
}

function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function topicsScript(topics: readonly TopicSettings[], defaultReplicationFactor: number): string {
    const lines = [
        "set -euo pipefail",
        'bin=${KAFKA_HOME:-/opt/kafka}/bin',
        'bs=${BOOTSTRAP_SERVERS:?BOOTSTRAP_SERVERS is required}',
        'until "$bin/kafka-broker-api-versions.sh" --bootstrap-server "$bs" >/dev/null 2>&1; do echo "waiting for $bs"; sleep 5; done',
        "ensure_topic() {",
        '    local name=$1 partitions=$2 rf=$3 configs=$4 current',
        '    "$bin/kafka-topics.sh" --bootstrap-server "$bs" --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "$rf"',
        '    current=$("$bin/kafka-topics.sh" --bootstrap-server "$bs" --describe --topic "$name" | sed -n "s/.*PartitionCount: *\\([0-9]*\\).*/\\1/p" | head -n 1)',
        '    if (( current < partitions )); then',
        '        "$bin/kafka-topics.sh" --bootstrap-server "$bs" --alter --topic "$name" --partitions "$partitions"',
        "    fi",
        '    "$bin/kafka-configs.sh" --bootstrap-server "$bs" --alter --entity-type topics --entity-name "$name" --add-config "$configs"',
        '    echo "topic $name: partitions >= $partitions, replication $rf, $configs"',
        "}",
    ];
    for (const topic of topics) {
        const rf = topic.replicationFactor ?? defaultReplicationFactor;
        lines.push(`ensure_topic ${shellQuote(topic.name)} ${topic.partitions} ${rf} ${shellQuote(topicConfigs(topic))}`);
    }
    return lines.join("\n") + "\n";
}
