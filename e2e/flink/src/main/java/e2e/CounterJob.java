package e2e;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction;
import org.apache.flink.util.Collector;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stateful job: a parallel counter source whose position lives in operator state, keyed by
 * value % 1000 into a running sum in keyed (RocksDB) state, into a discarding sink. The MiniCluster
 * runs it in this JVM, so the source reports what it snapshots and restores through static maps.
 */
final class CounterJob {

    static final int KEYS = 1_000_000;

    /** Per checkpoint id, per subtask: the position the source wrote into that checkpoint. */
    static final Map<Long, Map<Integer, Long>> SNAPSHOTS = new ConcurrentHashMap<>();
    /** Per subtask: the position read back from restored state. */
    static final Map<Integer, Long> RESTORED = new ConcurrentHashMap<>();
    /** Per subtask: the last position emitted. */
    static final Map<Integer, Long> EMITTED = new ConcurrentHashMap<>();

    static void build(StreamExecutionEnvironment env) {
        env.addSource(new CounterSource(), "counter")
                .uid("counter-source")
                .keyBy(v -> v % KEYS)
                .process(new KeyedSum())
                .uid("keyed-sum")
                .name("keyed-sum")
                .sinkTo(new DiscardingSink<>())
                .uid("discard");
    }

    static long sum(Map<Integer, Long> m) {
        long s = 0;
        for (long v : m.values()) {
            s += v;
        }
        return s;
    }

    static Map<Integer, Long> sorted(Map<Integer, Long> m) {
        return m == null ? null : new TreeMap<>(m);
    }

    /** Emits 0, 1, 2, … (about 10 000 per second per subtask, so that RocksDB writes SST files above the 20 KB inline threshold); the position is in operator state. */
    static final class CounterSource extends RichParallelSourceFunction<Long> implements CheckpointedFunction {
        private volatile boolean running = true;
        private long position;
        private transient ListState<Long> state;

        private int subtask() {
            return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) throws Exception {
            state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<>("position", Long.class));
            if (ctx.isRestored()) {
                long p = 0;
                for (Long v : state.get()) {
                    p += v;
                }
                position = p;
                RESTORED.put(subtask(), p);
            }
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
            state.update(List.of(position));
            SNAPSHOTS.computeIfAbsent(ctx.getCheckpointId(), k -> new ConcurrentHashMap<>()).put(subtask(), position);
        }

        @Override
        public void run(SourceContext<Long> ctx) throws Exception {
            int me = subtask();
            while (running) {
                synchronized (ctx.getCheckpointLock()) {
                    for (int i = 0; i < 100; i++) {
                        ctx.collect(position++);
                    }
                    EMITTED.put(me, position);
                }
                Thread.sleep(10);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    /** A running sum per key in keyed state (RocksDB with the config's state backend). */
    static final class KeyedSum extends KeyedProcessFunction<Long, Long, Long> {
        private transient ValueState<Long> sum;

        @Override
        public void open(OpenContext openContext) {
            sum = getRuntimeContext().getState(new ValueStateDescriptor<>("sum", Long.class));
        }

        @Override
        public void processElement(Long value, Context ctx, Collector<Long> out) throws Exception {
            Long s = sum.value();
            long next = (s == null ? 0 : s) + value;
            sum.update(next);
            out.collect(next);
        }
    }

    private CounterJob() {}
}
