// The Kafka client of the e2e check (e2e/kafka.spec.ts), on Kafka's own Java client of the cluster's
// version, compiled at test time. It only acts and reports, one line per event on stdout; the spec
// decides what the lines prove.
//
//   java KafkaCheck <client.properties> brokers <count> <timeoutSeconds>  wait for <count> registered brokers
//   java KafkaCheck <client.properties> quorum                           print "leader <id>"
//   java KafkaCheck <client.properties> describe <topic>                 "partition <p> leader <id> replicas <ids> isr <ids>"
//   java KafkaCheck <client.properties> configs <topic>                  "config <name> <value>" of the topic's own settings
//   java KafkaCheck <client.properties> produce <topic> <run> <perSecond> [property=value ...]
//       sends <run>:<seq> to partition seq % partitions until stdin closes, then waits for what is in flight:
//       "ack <run>:<seq> <partition> <offset> <sentMs> <ackMs>" or "err <run>:<seq> <partition> <exception> <sentMs> <ackMs>"
//   java KafkaCheck <client.properties> consume <topic> <group>          "rec <partition> <offset> <value>" until stdin closes
//   java KafkaCheck <client.properties> read-all <topic>                 every record from the beginning to the end offsets, then "end <count>"
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class KafkaCheck {
    public static void main(String[] args) throws Exception {
        Properties client = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            client.load(in);
        }
        switch (args[1]) {
            case "brokers" -> brokers(client, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "quorum" -> quorum(client);
            case "describe" -> describe(client, args[2]);
            case "configs" -> configs(client, args[2]);
            case "produce" -> produce(client, args[2], args[3], Integer.parseInt(args[4]), List.of(args).subList(5, args.length));
            case "consume" -> consume(client, args[2], args[3]);
            case "read-all" -> readAll(client, args[2]);
            default -> throw new IllegalArgumentException("unknown command " + args[1]);
        }
    }

    private static void brokers(Properties client, int count, int timeoutSeconds) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
        try (Admin admin = Admin.create(client)) {
            while (true) {
                try {
                    Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    if (nodes.size() >= count) {
                        System.out.println("brokers " + nodes.stream().map(Node::idString).sorted().collect(Collectors.joining(",")));
                        return;
                    }
                } catch (Exception notYet) {
                    // The cluster is still forming: keep asking until the deadline.
                }
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("fewer than " + count + " brokers after " + timeoutSeconds + " s");
                    System.exit(1);
                }
                Thread.sleep(500);
            }
        }
    }

    private static void quorum(Properties client) throws Exception {
        try (Admin admin = Admin.create(client)) {
            System.out.println("leader " + admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId());
        }
    }

    private static String ids(List<Node> nodes) {
        return nodes.stream().map(Node::idString).collect(Collectors.joining(","));
    }

    private static void describe(Properties client, String topic) throws Exception {
        try (Admin admin = Admin.create(client)) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            description.partitions().forEach((p) -> System.out.println(
                "partition " + p.partition() + " leader " + (p.leader() == null ? "none" : p.leader().idString())
                    + " replicas " + ids(p.replicas()) + " isr " + ids(p.isr())));
        }
    }

    private static void configs(Properties client, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(client)) {
            admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).entries().stream()
                .filter((e) -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                .forEach((e) -> System.out.println("config " + e.name() + " " + e.value()));
        }
    }

    /** Set when stdin closes: the spec stops a client by closing its stdin. */
    private static AtomicBoolean stopOnStdinClose() {
        AtomicBoolean stop = new AtomicBoolean(false);
        Thread reader = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() != -1) {
                    // Only the end of the stream matters.
                }
            } catch (IOException closed) {
                // Same as end of stream.
            }
            stop.set(true);
        });
        reader.setDaemon(true);
        reader.start();
        return stop;
    }

    private static void produce(Properties client, String topic, String run, int perSecond, List<String> overrides) throws Exception {
        Properties config = new Properties();
        config.putAll(client);
        config.put("key.serializer", StringSerializer.class.getName());
        config.put("value.serializer", StringSerializer.class.getName());
        for (String override : overrides) {
            int eq = override.indexOf('=');
            config.put(override.substring(0, eq), override.substring(eq + 1));
        }
        AtomicBoolean stop = stopOnStdinClose();
        long intervalNanos = 1_000_000_000L / perSecond;
        long sent = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            int partitions = producer.partitionsFor(topic).size();
            long next = System.nanoTime();
            while (!stop.get()) {
                String id = run + ":" + sent;
                int partition = (int) (sent % partitions);
                long sentMs = System.currentTimeMillis();
                producer.send(new ProducerRecord<>(topic, partition, id, id), (metadata, error) -> {
                    long ackMs = System.currentTimeMillis();
                    if (error == null) {
                        System.out.println("ack " + id + " " + partition + " " + metadata.offset() + " " + sentMs + " " + ackMs);
                    } else {
                        System.out.println("err " + id + " " + partition + " " + error.getClass().getSimpleName() + " " + sentMs + " " + ackMs);
                    }
                });
                sent++;
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            }
            // Whatever is still in flight gets its answer (or its timeout) before close returns.
            producer.flush();
        }
        System.out.println("done " + sent);
    }

    private static Properties consumerConfig(Properties client) {
        Properties config = new Properties();
        config.putAll(client);
        config.put("key.deserializer", StringDeserializer.class.getName());
        config.put("value.deserializer", StringDeserializer.class.getName());
        config.put("auto.offset.reset", "earliest");
        return config;
    }

    private static void print(ConsumerRecord<String, String> r) {
        System.out.println("rec " + r.partition() + " " + r.offset() + " " + r.value());
    }

    private static void consume(Properties client, String topic, String group) {
        Properties config = consumerConfig(client);
        config.put("group.id", group);
        config.put("enable.auto.commit", "false");
        AtomicBoolean stop = stopOnStdinClose();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            while (!stop.get()) {
                var records = consumer.poll(Duration.ofMillis(500));
                records.forEach(KafkaCheck::print);
                // Committed through the group coordinator, i.e. __consumer_offsets and its replication.
                if (!records.isEmpty()) consumer.commitAsync();
            }
        }
    }

    private static void readAll(Properties client, String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(client))) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach((p) -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long count = 0;
            long deadline = System.currentTimeMillis() + 60_000;
            while (partitions.stream().anyMatch((p) -> consumer.position(p) < end.get(p))) {
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("did not reach the end offsets within 60 s");
                    System.exit(1);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    print(r);
                    count++;
                }
            }
            System.out.println("end " + count);
        }
    }
}
