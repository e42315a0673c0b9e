package e2e;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.plugin.PluginManager;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.FailedCheckpointStats;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobgraph.tasks.CheckpointCoordinatorConfiguration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.NetUtils;

import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Proves a rendered Flink config.yaml against Flink 1.20.1 itself. See e2e/flink/README.md.
 *
 * <pre>
 *   options &lt;confDir&gt;
 *   run     &lt;confDir&gt; &lt;checkpointsWanted&gt; [key=value…]
 *   restore &lt;confDir&gt; &lt;checkpointPath&gt; [key=value…]
 * </pre>
 *
 * stdout carries only JSON lines; Flink's log goes to stderr (WARN, -Dflinkcheck.log=INFO for more).
 * Exit codes: 0 ok, 2 unknown/invalid key (options), 1 anything else.
 */
public final class FlinkCheck {

    private static final PrintStream OUT = System.out;

    public static void main(String[] args) throws Exception {
        // Only our JSON on stdout, whatever a library prints.
        System.setOut(System.err);
        int rc;
        try {
            if (args.length >= 2 && args[0].equals("options")) {
                rc = options(args[1]);
            } else if (args.length >= 3 && args[0].equals("run")) {
                rc = run(args[1], null, Integer.parseInt(args[2]), rest(args, 3));
            } else if (args.length >= 3 && args[0].equals("restore")) {
                rc = run(args[1], args[2], 1, rest(args, 3));
            } else {
                System.err.println("usage: FlinkCheck options <confDir>\n"
                        + "       FlinkCheck run <confDir> <checkpointsWanted> [key=value...]\n"
                        + "       FlinkCheck restore <confDir> <checkpointPath> [key=value...]\n"
                        + "env: FLINK_PLUGINS_DIR (plugins root), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY");
                rc = 64;
            }
        } catch (Throwable t) {
            t.printStackTrace();
            OUT.println(Json.obj().put("error", String.valueOf(t)).put("causes", causes(t)));
            rc = 1;
        }
        OUT.flush();
        // RocksDB, S3A and Pekko leave non-daemon threads behind: exit (shutdown hooks delete
        // temporary files), and halt should a hook hang.
        final int code = rc;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(20_000);
            } catch (InterruptedException ignored) {
            }
            Runtime.getRuntime().halt(code);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        System.exit(rc);
    }

    /** The messages of a cause chain, first line of each, for the JSON error line. */
    private static List<String> causes(Throwable t) {
        List<String> out = new ArrayList<>();
        for (Throwable c = t; c != null && out.size() < 12; c = c.getCause() == c ? null : c.getCause()) {
            String m = String.valueOf(c);
            int nl = m.indexOf('\n');
            m = nl > 0 ? m.substring(0, nl) : m;
            out.add(m.length() > 400 ? m.substring(0, 400) + "…" : m);
        }
        return out;
    }

    private static List<String> rest(String[] args, int from) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            out.add(args[i]);
        }
        return out;
    }

    private static Configuration load(String confDir) {
        File file = new File(confDir, GlobalConfiguration.FLINK_CONF_FILENAME);
        if (!file.isFile()) {
            throw new IllegalArgumentException("no " + file);
        }
        return GlobalConfiguration.loadConfiguration(confDir);
    }

    private static PluginManager plugins(Configuration conf) {
        if (System.getenv(ConfigConstants.ENV_FLINK_PLUGINS_DIR) == null) {
            System.err.println("FlinkCheck: " + ConfigConstants.ENV_FLINK_PLUGINS_DIR + " is not set (default ./plugins)");
        }
        return PluginUtils.createPluginManagerFromRootFolder(conf);
    }

    // ---------------------------------------------------------------------------------- options

    private static int options(String confDir) {
        Configuration conf = load(confDir);
        Map<String, String> raw = conf.toMap();
        OptionIndex index = new OptionIndex();
        index.scanClasspath();
        index.loadPlugins(plugins(conf));
        System.err.println("FlinkCheck: " + Json.obj().put("index", index.summary()));
        boolean[] failed = {false};
        for (String key : new TreeSet<>(raw.keySet())) {
            OUT.println(index.describe(key, conf, raw, failed));
        }
        return failed[0] ? 2 : 0;
    }

    // ------------------------------------------------------------------------------ run/restore

    private static int run(String confDir, String restoreFrom, int wanted, List<String> overrides) throws Exception {
        long started = System.nanoTime();
        Configuration conf = load(confDir);
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("override is not key=value: " + o);
            }
            conf.setString(o.substring(0, eq), o.substring(eq + 1));
        }
        if (System.getenv("AWS_ACCESS_KEY_ID") == null || System.getenv("AWS_SECRET_ACCESS_KEY") == null) {
            System.err.println("FlinkCheck: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set");
        }
        long timeoutMs = Long.getLong("flinkcheck.timeout", 300) * 1000;

        PluginManager pm = plugins(conf);
        FileSystem.initialize(conf, pm);

        MiniClusterConfiguration mcc = new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(conf.get(TaskManagerOptions.NUM_TASK_SLOTS))
                .setPluginManager(pm)
                .build();

        Json out = Json.obj();
        MiniCluster cluster = new MiniCluster(mcc);
        try {
            cluster.start();

            // The job sees the same configuration: checkpointing, state backend, restart strategy
            // and (for restore) execution.state-recovery.path all come from it, none from code.
            Configuration jobConf = new Configuration(conf);
            if (restoreFrom != null) {
                jobConf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
            }
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(jobConf);
            CounterJob.build(env);
            StreamGraph graph = env.getStreamGraph();
            graph.setJobName(restoreFrom == null ? "flink-check" : "flink-check-restore");
            JobGraph job = graph.getJobGraph();
            if (restoreFrom != null && !job.getSavepointRestoreSettings().restoreSavepoint()) {
                job.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restoreFrom, false));
                out.put("restoreVia", "JobGraph.setSavepointRestoreSettings");
            }

            JobID jobId = cluster.submitJob(job).get().getJobID();
            out.put("jobId", jobId.toString());
            long deadline = System.currentTimeMillis() + timeoutMs;
            CheckpointStatsSnapshot stats;
            while (true) {
                AccessExecutionGraph eg = cluster.getExecutionGraph(jobId).get();
                if (eg.getState().isGloballyTerminalState()) {
                    throw new IllegalStateException("job " + eg.getState(),
                            eg.getFailureInfo() == null ? null : eg.getFailureInfo().getException());
                }
                stats = eg.getCheckpointStatsSnapshot();
                if (stats != null && stats.getCounts().getNumberOfCompletedCheckpoints() >= wanted) {
                    out.put("jobCheckpointing", jobCheckpointing(eg));
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("timeout: " + (stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints())
                            + " of " + wanted + " checkpoints completed, "
                            + (stats == null ? 0 : stats.getCounts().getNumberOfFailedCheckpoints()) + " failed");
                }
                Thread.sleep(200);
            }

            List<Integer> promPorts = prometheusPorts(conf);
            if (!promPorts.isEmpty()) {
                out.put("metricsPort", scrape(promPorts, restoreFrom == null
                        ? Paths.get(confDir).toAbsolutePath().getParent().resolve("metrics.txt") : null));
                if (restoreFrom == null) {
                    out.put("metricsFile", Paths.get(confDir).toAbsolutePath().getParent().resolve("metrics.txt").toString());
                }
            }

            // A checkpoint in flight when the job is cancelled counts as failed afterwards, so this is
            // read before the cancel. A trigger refused because a task was not running yet
            // (NOT_ALL_REQUIRED_TASKS_RUNNING, the scheduler starts with the job, before its tasks)
            // counts as failed too, but without a checkpoint (CheckpointFailureManager,
            // reportFailedCheckpointsWithoutInProgress): only triggered checkpoints that failed, in
            // the history, are failures of the state settings.
            long failedTriggered = stats.getHistory().getCheckpoints().stream().filter(c -> c.getStatus().isFailed()).count();
            out.put("failedCheckpointsBeforeCancel", failedTriggered)
                    .put("refusedTriggersBeforeCancel", stats.getCounts().getNumberOfFailedCheckpoints() - failedTriggered);
            cluster.cancelJob(jobId).get();
            cluster.requestJobResult(jobId).get(60, TimeUnit.SECONDS);
            out.put("finalStatus", String.valueOf(cluster.getJobStatus(jobId).get()));

            // The final statistics: a checkpoint may have completed while we were scraping.
            stats = cluster.getExecutionGraph(jobId).get().getCheckpointStatsSnapshot();
            CompletedCheckpointStats latest = stats.getHistory().getLatestCompletedCheckpoint();
            out.put("completedCheckpoints", stats.getCounts().getNumberOfCompletedCheckpoints())
                    .put("failedCheckpoints", stats.getCounts().getNumberOfFailedCheckpoints());
            FailedCheckpointStats lastFailed = stats.getHistory().getLatestFailedCheckpoint();
            if (lastFailed != null) {
                out.put("latestFailedCheckpoint", Json.obj().put("id", lastFailed.getCheckpointId())
                        .put("failure", String.valueOf(lastFailed.getFailureMessage())));
            }
            if (latest != null) {
                Map<Integer, Long> positions = CounterJob.SNAPSHOTS.get(latest.getCheckpointId());
                out.put("latestCheckpointId", latest.getCheckpointId())
                        .put("latestCheckpoint", latest.getExternalPath())
                        .putIfNotNull("position", positions == null ? null : CounterJob.sum(positions))
                        .putIfNotNull("positions", CounterJob.sorted(positions))
                        .put("lastEmitted", CounterJob.sum(CounterJob.EMITTED))
                        .put("stateSize", latest.getStateSize())
                        .put("checkpointedSize", latest.getCheckpointedSize());
                out.put("storage", storage(latest.getExternalPath()));
            }
            if (restoreFrom != null) {
                RestoredCheckpointStats restored = stats.getLatestRestoredCheckpoint();
                out.put("restoredPosition", CounterJob.RESTORED.isEmpty() ? null : CounterJob.sum(CounterJob.RESTORED))
                        .put("restoredPositions", CounterJob.sorted(CounterJob.RESTORED));
                if (restored != null) {
                    out.put("restoredCheckpointId", restored.getCheckpointId())
                            .put("restoredFrom", restored.getExternalPath());
                }
            }
            cluster.getRestAddress().thenAccept(a -> out.put("restAddress", a.toString())).getNow(null);
        } finally {
            closeWithin(cluster, out, SHUTDOWN_SECONDS);
        }
        out.put("durationMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        OUT.println(out);
        return 0;
    }

    /** How long the MiniCluster may take to shut down before the check reports it and exits anyway. */
    private static final long SHUTDOWN_SECONDS = 60;

    /**
     * Closes the MiniCluster within a bound: with Kubernetes HA its shutdown once hung in CI (main
     * parked in MiniCluster.close while the leader ConfigMap stayed). The outcome is reported as
     * "shutdown"; main's System.exit ends whatever threads are left.
     */
    private static void closeWithin(MiniCluster cluster, Json out, long seconds) throws Exception {
        try {
            cluster.closeAsync().get(seconds, TimeUnit.SECONDS);
            out.put("shutdown", "clean");
        } catch (TimeoutException e) {
            System.err.println("FlinkCheck: the MiniCluster did not shut down within " + seconds + " s");
            out.put("shutdown", "timed out after " + seconds + " s");
        }
    }

    /** What the JobMaster made of the config's checkpointing settings (nothing is set in code). */
    private static Map<String, Object> jobCheckpointing(AccessExecutionGraph eg) {
        Map<String, Object> m = new LinkedHashMap<>();
        CheckpointCoordinatorConfiguration c = eg.getCheckpointCoordinatorConfiguration();
        if (c != null) {
            m.put("intervalMs", c.getCheckpointInterval());
            m.put("minPauseMs", c.getMinPauseBetweenCheckpoints());
            m.put("timeoutMs", c.getCheckpointTimeout());
            m.put("maxConcurrent", c.getMaxConcurrentCheckpoints());
            m.put("retention", String.valueOf(c.getCheckpointRetentionPolicy()));
            m.put("exactlyOnce", c.isExactlyOnce());
            m.put("tolerableFailures", c.getTolerableCheckpointFailureNumber());
            m.put("unaligned", c.isUnalignedCheckpointsEnabled());
        }
        m.put("stateBackend", eg.getStateBackendName().orElse(null));
        m.put("checkpointStorage", eg.getCheckpointStorageName().orElse(null));
        return m;
    }

    /** The ports of every configured Prometheus (pull) reporter that is enabled. */
    private static List<Integer> prometheusPorts(Configuration conf) {
        Map<String, String> raw = conf.toMap();
        String enabled = raw.get(MetricOptions.REPORTERS_LIST.key());
        List<Integer> ports = new ArrayList<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(ConfigConstants.METRICS_REPORTER_PREFIX)) {
                continue;
            }
            String rest = k.substring(ConfigConstants.METRICS_REPORTER_PREFIX.length());
            int dot = rest.indexOf('.');
            if (dot <= 0) {
                continue;
            }
            String name = rest.substring(0, dot);
            String sub = rest.substring(dot + 1);
            boolean prom = (sub.equals("factory.class") && e.getValue().equals(OptionIndex.PROM_FACTORY))
                    || (sub.equals("class") && e.getValue().equals(OptionIndex.PROM_REPORTER));
            if (!prom || (enabled != null && !List.of(enabled.split("\\s*,\\s*")).contains(name))) {
                continue;
            }
            String port = raw.getOrDefault(ConfigConstants.METRICS_REPORTER_PREFIX + name + ".port", "9249");
            for (Iterator<Integer> it = NetUtils.getPortRangeFromString(port); it.hasNext(); ) {
                ports.add(it.next());
            }
        }
        return ports;
    }

    /** Fetches the reporter's page (the first port of its range that answers); saves it to file. */
    private static Integer scrape(List<Integer> ports, java.nio.file.Path file) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (int port : ports) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (r.statusCode() == 200 && r.body().contains("flink_")) {
                    if (file != null) {
                        Files.writeString(file, r.body());
                    }
                    return port;
                }
            } catch (java.io.IOException e) {
                System.err.println("FlinkCheck: no reporter on " + port + ": " + e);
            }
        }
        throw new IllegalStateException("no Prometheus reporter answered on " + ports);
    }

    /** What the checkpoint left in storage, read through Flink's file system (the s3 plugin). */
    private static Map<String, Object> storage(String externalPath) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        if (externalPath == null) {
            return m;
        }
        Path chk = new Path(externalPath);
        FileSystem fs = chk.getFileSystem();
        m.put("fileSystem", fs.getClass().getName());
        m.put("metadata", fs.exists(new Path(chk, "_metadata")));
        Path jobDir = chk.getParent();
        List<String> checkpoints = new ArrayList<>();
        for (FileStatus s : fs.listStatus(jobDir)) {
            if (s.getPath().getName().startsWith("chk-")) {
                checkpoints.add(s.getPath().getName());
            }
        }
        m.put("retained", checkpoints);
        m.put("sharedFiles", countFiles(fs, new Path(jobDir, "shared")));
        return m;
    }

    private static int countFiles(FileSystem fs, Path dir) throws Exception {
        if (!fs.exists(dir)) {
            return 0;
        }
        int n = 0;
        for (FileStatus s : fs.listStatus(dir)) {
            n += s.isDir() ? countFiles(fs, s.getPath()) : 1;
        }
        return n;
    }

    private FlinkCheck() {}
}
