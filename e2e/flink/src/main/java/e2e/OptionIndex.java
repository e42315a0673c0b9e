package e2e;

import org.apache.flink.annotation.docs.Documentation;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DelegatingConfiguration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.plugin.PluginManager;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.NetUtils;

import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Every typed ConfigOption Flink knows, found by reflection over the public static ConfigOption
 * fields of all classes named org.apache.flink.**.*Options on the classpath, plus the two
 * plugins' own families (s3.* of flink-s3-fs-hadoop, metrics.reporter.<name>.* of the Prometheus
 * reporter), which are loaded through Flink's real PluginManager as in the image.
 */
final class OptionIndex {

    /** A ConfigOption and the field that declares it. */
    static final class Owner {
        final String field;
        final ConfigOption<?> option;
        final boolean deprecated;

        Owner(String field, ConfigOption<?> option, boolean deprecated) {
            this.field = field;
            this.option = option;
            this.deprecated = deprecated;
        }
    }

    /** An option whose key is relative to a template prefix like "metrics.reporter.<name>". */
    static final class Suffix {
        final String prefix; // up to the placeholder, e.g. "metrics.reporter."
        final Owner owner;

        Suffix(String prefix, Owner owner) {
            this.prefix = prefix;
            this.owner = owner;
        }
    }

    final Map<String, List<Owner>> byPrimary = new HashMap<>();
    final Map<String, List<Owner>> byFallback = new HashMap<>();
    final List<Suffix> suffixes = new ArrayList<>();
    final List<String> scanFailures = new ArrayList<>();
    int classes;
    int options;

    // Plugins: filled by loadPlugins.
    private ClassLoader s3Loader;
    private String[] s3Prefixes;
    private String[][] s3Mirrored;
    private String s3HadoopPrefix;
    private final Map<String, String> s3aConstants = new HashMap<>(); // value -> Class.FIELD
    private java.lang.reflect.Method hadoopIsDeprecated;
    private final Map<String, Owner> s3FlinkOptions = new HashMap<>();
    private final Map<String, String> pluginNotes = new LinkedHashMap<>();
    private String promPortKey; // PrometheusReporterFactory.ARG_PORT
    private final List<Owner> promOptions = new ArrayList<>(); // options AbstractPrometheusReporter reads
    private final List<Owner> pushGatewayOptions = new ArrayList<>();

    static final String PROM_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";
    static final String PROM_REPORTER = "org.apache.flink.metrics.prometheus.PrometheusReporter";
    static final String PUSHGW_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusPushGatewayReporterFactory";
    static final String PUSHGW_REPORTER = "org.apache.flink.metrics.prometheus.PrometheusPushGatewayReporter";

    void scanClasspath() {
        ClassLoader loader = OptionIndex.class.getClassLoader();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.endsWith(".jar")) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    String name = entries.nextElement().getName();
                    if (name.startsWith("org/apache/flink/")
                            && name.endsWith("Options.class")
                            && !name.contains("$")
                            && !name.startsWith("org/apache/flink/shaded/")) {
                        String cn = name.substring(0, name.length() - 6).replace('/', '.');
                        try {
                            addClass(Class.forName(cn, true, loader), false);
                        } catch (Throwable t) {
                            scanFailures.add(cn + ": " + t);
                        }
                    }
                }
            } catch (Exception e) {
                scanFailures.add(entry + ": " + e);
            }
        }
        // The deprecated class-based reporter key is a suffix option without the annotation.
        addSuffix("metrics.reporter.<name>", new Owner("MetricOptions.REPORTER_CLASS", MetricOptions.REPORTER_CLASS, true));
    }

    private void addSuffix(String template, Owner o) {
        String prefix = template.substring(0, template.indexOf('<'));
        for (Suffix s : suffixes) {
            if (s.prefix.equals(prefix) && s.owner.option.key().equals(o.option.key())) {
                return;
            }
        }
        suffixes.add(new Suffix(prefix, o));
    }

    /** Adds every public static ConfigOption field of c. */
    private void addClass(Class<?> c, boolean plugin) throws IllegalAccessException {
        classes++;
        for (Field f : c.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) || !Modifier.isPublic(m) || !ConfigOption.class.isAssignableFrom(f.getType())) {
                continue;
            }
            ConfigOption<?> option = (ConfigOption<?>) f.get(null);
            if (option == null) {
                continue;
            }
            options++;
            boolean deprecated = f.isAnnotationPresent(Deprecated.class) || c.isAnnotationPresent(Deprecated.class);
            Owner o = new Owner(c.getName() + "." + f.getName(), option, deprecated);
            Documentation.SuffixOption suffix = f.getAnnotation(Documentation.SuffixOption.class);
            if (suffix != null && suffix.value().contains("<")) {
                if (!option.key().startsWith("<")) { // "<parameter>": the free-form placeholder
                    addSuffix(suffix.value(), o);
                }
                continue;
            }
            byPrimary.computeIfAbsent(option.key(), k -> new ArrayList<>()).add(o);
            for (FallbackKey fk : option.fallbackKeys()) {
                byFallback.computeIfAbsent(fk.getKey(), k -> new ArrayList<>()).add(o);
            }
        }
    }

    private static List<Owner> fieldsOf(Class<?> c) throws IllegalAccessException {
        List<Owner> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) && Modifier.isPublic(m) && ConfigOption.class.isAssignableFrom(f.getType())) {
                out.add(new Owner(c.getName() + "." + f.getName(), (ConfigOption<?>) f.get(null), f.isAnnotationPresent(Deprecated.class)));
            }
        }
        return out;
    }

    private static Object staticField(Class<?> c, String name) throws ReflectiveOperationException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(null);
    }

    /** Loads both plugins through Flink's plugin manager, exactly as the cluster would. */
    void loadPlugins(PluginManager pm) {
        for (Iterator<FileSystemFactory> it = pm.load(FileSystemFactory.class); it.hasNext(); ) {
            FileSystemFactory f = it.next();
            if (f.getClass().getName().equals("org.apache.flink.fs.s3hadoop.S3FileSystemFactory")) {
                s3Loader = f.getClass().getClassLoader();
                try {
                    s3Prefixes = (String[]) staticField(f.getClass(), "FLINK_CONFIG_PREFIXES");
                    s3Mirrored = (String[][]) staticField(f.getClass(), "MIRRORED_CONFIG_KEYS");
                    // HadoopConfigLoader's hadoopConfigPrefix, from createHadoopConfigLoader().
                    java.lang.reflect.Method m = f.getClass().getDeclaredMethod("createHadoopConfigLoader");
                    m.setAccessible(true);
                    Object loader = m.invoke(null);
                    Field p = loader.getClass().getDeclaredField("hadoopConfigPrefix");
                    p.setAccessible(true);
                    s3HadoopPrefix = (String) p.get(loader);
                } catch (ReflectiveOperationException e) {
                    // Same values as flink-s3-fs-hadoop 1.20.1's S3FileSystemFactory.
                    pluginNotes.put("s3-translation", "reflection failed (" + e + "), using 1.20.1's table");
                    s3Prefixes = new String[] {"s3.", "s3a.", "fs.s3a."};
                    s3Mirrored = new String[][] {
                        {"fs.s3a.access-key", "fs.s3a.access.key"},
                        {"fs.s3a.secret-key", "fs.s3a.secret.key"},
                        {"fs.s3a.path-style-access", "fs.s3a.path.style.access"}};
                    s3HadoopPrefix = "fs.s3a.";
                }
                try {
                    for (String cn : new String[] {"org.apache.hadoop.fs.s3a.Constants", "org.apache.hadoop.fs.s3a.commit.CommitConstants"}) {
                        Class<?> c = Class.forName(cn, true, s3Loader);
                        pluginNotes.putIfAbsent("s3a-constants", cn + " from " + c.getProtectionDomain().getCodeSource().getLocation());
                        for (Field fld : c.getDeclaredFields()) {
                            int mod = fld.getModifiers();
                            if (Modifier.isStatic(mod) && Modifier.isPublic(mod) && fld.getType() == String.class) {
                                String v = (String) fld.get(null);
                                if (v != null && v.startsWith("fs.s3a.")) {
                                    s3aConstants.putIfAbsent(v, c.getSimpleName() + "." + fld.getName());
                                }
                            }
                        }
                    }
                    // S3AFileSystem's static initialiser registers Hadoop's deprecated S3A keys.
                    Class.forName("org.apache.hadoop.fs.s3a.S3AFileSystem", true, s3Loader);
                    hadoopIsDeprecated = Class.forName("org.apache.hadoop.conf.Configuration", true, s3Loader)
                            .getMethod("isDeprecated", String.class);
                    Class<?> base = Class.forName("org.apache.flink.fs.s3.common.AbstractS3FileSystemFactory", true, s3Loader);
                    for (Owner o : fieldsOf(base)) {
                        s3FlinkOptions.put(o.option.key(), o);
                    }
                } catch (Throwable t) {
                    pluginNotes.put("s3-error", t.toString());
                }
            }
        }
        for (Iterator<MetricReporterFactory> it = pm.load(MetricReporterFactory.class); it.hasNext(); ) {
            MetricReporterFactory f = it.next();
            String cn = f.getClass().getName();
            try {
                if (cn.equals(PROM_FACTORY)) {
                    // The pull reporter has no Options class in 1.20.1: the factory reads the
                    // package-private constant ARG_PORT ("port"), and AbstractPrometheusReporter.open
                    // reads PrometheusPushGatewayReporterOptions.FILTER_LABEL_VALUE_CHARACTER.
                    promPortKey = (String) staticField(f.getClass(), "ARG_PORT");
                    Class<?> opts = Class.forName("org.apache.flink.metrics.prometheus.PrometheusPushGatewayReporterOptions", true, f.getClass().getClassLoader());
                    promOptions.add(new Owner(opts.getName() + ".FILTER_LABEL_VALUE_CHARACTER",
                            (ConfigOption<?>) staticField(opts, "FILTER_LABEL_VALUE_CHARACTER"), false));
                } else if (cn.equals(PUSHGW_FACTORY)) {
                    Class<?> opts = Class.forName("org.apache.flink.metrics.prometheus.PrometheusPushGatewayReporterOptions", true, f.getClass().getClassLoader());
                    pushGatewayOptions.addAll(fieldsOf(opts));
                }
            } catch (ReflectiveOperationException e) {
                pluginNotes.put("prometheus-error", e.toString());
            }
        }
        if (s3Loader == null) {
            pluginNotes.put("s3-fs-hadoop", "not found under FLINK_PLUGINS_DIR");
        }
        if (promPortKey == null) {
            pluginNotes.put("metrics-prometheus", "not found under FLINK_PLUGINS_DIR");
        }
    }

    Map<String, String> pluginNotes() {
        return pluginNotes;
    }

    private static Owner best(List<Owner> owners) {
        for (Owner o : owners) {
            if (!o.deprecated) {
                return o;
            }
        }
        return owners.get(0);
    }

    private static List<String> names(List<Owner> owners) {
        List<String> out = new ArrayList<>();
        for (Owner o : owners) {
            out.add(o.deprecated ? o.field + " (@Deprecated)" : o.field);
        }
        return out;
    }

    private static String display(String key, Object value) {
        return GlobalConfiguration.isSensitive(key) ? GlobalConfiguration.HIDDEN_CONTENT : String.valueOf(value);
    }

    /** The JSON line for one key of the file; sets failed[0] when the key is unknown or invalid. */
    Json describe(String key, Configuration conf, Map<String, String> raw, boolean[] failed) {
        Json out = Json.obj().put("key", key);
        List<Owner> primary = byPrimary.getOrDefault(key, List.of());
        List<Owner> fallback = byFallback.getOrDefault(key, List.of());
        Owner chosen = null;
        boolean viaFallback = false;
        // A live option owning the key as primary wins; then a live option listing it as fallback.
        for (Owner o : primary) {
            if (!o.deprecated) { chosen = o; break; }
        }
        if (chosen == null) {
            for (Owner o : fallback) {
                if (!o.deprecated) { chosen = o; viaFallback = true; break; }
            }
        }
        if (chosen == null && !primary.isEmpty()) {
            chosen = best(primary);
        }
        if (chosen == null && !fallback.isEmpty()) {
            chosen = best(fallback);
            viaFallback = true;
        }
        if (chosen != null) {
            out.put("option", chosen.option.key()).put("deprecatedKey", viaFallback);
            if (viaFallback && raw.containsKey(chosen.option.key())) {
                out.put("shadowed", "the file also sets " + chosen.option.key() + ", whose value wins");
            }
            if (viaFallback) {
                for (FallbackKey fk : chosen.option.fallbackKeys()) {
                    if (fk.getKey().equals(key)) {
                        out.put("fallbackKind", fk.isDeprecated() ? "deprecated" : "fallback");
                    }
                }
            }
            if (chosen.deprecated) {
                out.put("deprecatedOption", true);
            }
            List<Owner> all = new ArrayList<>(primary);
            all.addAll(fallback);
            out.put("owners", names(all));
            return typed(out, key, conf, chosen.option, failed);
        }
        // Options relative to a named prefix: metrics.reporter.<name>.<key>, traces.reporter..., ...
        for (Suffix s : suffixes) {
            if (!key.startsWith(s.prefix)) {
                continue;
            }
            String rest = key.substring(s.prefix.length());
            int dot = rest.indexOf('.');
            if (dot <= 0) {
                continue;
            }
            String name = rest.substring(0, dot);
            String sub = rest.substring(dot + 1);
            boolean isPrimary = sub.equals(s.owner.option.key());
            boolean isFallback = false;
            for (FallbackKey fk : s.owner.option.fallbackKeys()) {
                isFallback |= fk.getKey().equals(sub);
            }
            if (isPrimary || isFallback) {
                out.put("option", s.prefix + name + "." + s.owner.option.key())
                        .put("deprecatedKey", !isPrimary);
                if (s.owner.deprecated) {
                    out.put("deprecatedOption", true);
                }
                out.put("owners", List.of(s.owner.field + " (suffix of " + s.prefix + "<name>)"));
                return typed(out, key, new DelegatingConfiguration(conf, s.prefix + name + "."), s.owner.option, failed);
            }
        }
        if (key.startsWith("metrics.reporter.")) {
            Json r = reporterOwnKey(key, conf, raw, out, failed);
            if (r != null) {
                return r;
            }
        }
        if (s3Prefixes != null) {
            for (String prefix : s3Prefixes) {
                if (key.startsWith(prefix)) {
                    return s3Key(key, prefix, conf, raw, out, failed);
                }
            }
        }
        failed[0] = true;
        out.put("unknown", true);
        if ((key.startsWith("s3.") || key.startsWith("s3a.") || key.startsWith("fs.s3a.")) && s3Prefixes == null) {
            out.put("note", "plugin s3-fs-hadoop not found under FLINK_PLUGINS_DIR");
        } else if (key.startsWith("metrics.reporter.") && promPortKey == null && !out.toString().contains("\"note\"")) {
            out.put("note", "plugin metrics-prometheus not found under FLINK_PLUGINS_DIR");
        }
        return out;
    }

    /** metrics.reporter.<name>.<key> that the reporter's factory itself reads. */
    private Json reporterOwnKey(String key, Configuration conf, Map<String, String> raw, Json out, boolean[] failed) {
        String rest = key.substring("metrics.reporter.".length());
        int dot = rest.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String name = rest.substring(0, dot);
        String sub = rest.substring(dot + 1);
        String base = "metrics.reporter." + name + ".";
        String factory = raw.get(base + MetricOptions.REPORTER_FACTORY_CLASS.key());
        String clazz = raw.get(base + MetricOptions.REPORTER_CLASS.key());
        boolean prom = PROM_FACTORY.equals(factory) || PROM_REPORTER.equals(clazz);
        boolean pushgw = PUSHGW_FACTORY.equals(factory) || PUSHGW_REPORTER.equals(clazz);
        if (prom && promPortKey != null && sub.equals(promPortKey)) {
            out.put("option", key).put("deprecatedKey", false)
                    .put("owners", List.of(PROM_FACTORY + ".ARG_PORT (plugin metrics-prometheus)"));
            String v = raw.get(key);
            try {
                Iterator<Integer> ports = NetUtils.getPortRangeFromString(v);
                if (!ports.hasNext()) {
                    throw new IllegalArgumentException("empty port range");
                }
                return out.put("value", v);
            } catch (RuntimeException e) {
                failed[0] = true;
                return out.put("invalid", "not a port or port range: " + e.getMessage());
            }
        }
        List<Owner> own = prom ? promOptions : pushgw ? pushGatewayOptions : List.of();
        for (Owner o : own) {
            if (sub.equals(o.option.key())) {
                out.put("option", key).put("deprecatedKey", false)
                        .put("owners", List.of(o.field + " (plugin metrics-prometheus)"));
                return typed(out, key, new DelegatingConfiguration(conf, base), o.option, failed);
            }
        }
        if (factory == null && clazz == null) {
            out.put("note", "no " + base + "factory.class in the file");
        } else if (!prom && !pushgw) {
            out.put("note", "reporter-specific keys are only known for the Prometheus reporters");
        }
        return null;
    }

    /** s3.<key>: forwarded by flink-s3-fs-hadoop to Hadoop's fs.s3a.<key> (HadoopConfigLoader). */
    private Json s3Key(String key, String prefix, Configuration conf, Map<String, String> raw, Json out, boolean[] failed) {
        Owner flinkOwn = s3FlinkOptions.get(key);
        if (flinkOwn != null) { // s3.upload.min.part.size & co: typed options of the plugin itself
            out.put("option", key).put("deprecatedKey", false)
                    .put("owners", List.of(flinkOwn.field + " (plugin s3-fs-hadoop)"));
            return typed(out, key, conf, flinkOwn.option, failed);
        }
        String hadoopKey = s3HadoopPrefix + key.substring(prefix.length());
        String effective = hadoopKey;
        for (String[] m : s3Mirrored) {
            if (m[0].equals(hadoopKey)) {
                effective = m[1];
            }
        }
        String lookup = effective;
        if (effective.startsWith("fs.s3a.bucket.")) { // per-bucket override fs.s3a.bucket.<b>.<key>
            String r = effective.substring("fs.s3a.bucket.".length());
            int dot = r.indexOf('.');
            if (dot > 0) {
                lookup = "fs.s3a." + r.substring(dot + 1);
            }
        }
        String constant = s3aConstants.get(lookup);
        out.put("hadoopKey", effective);
        if (!hadoopKey.equals(effective)) {
            out.put("mirroredFrom", hadoopKey);
        }
        if (constant == null) {
            failed[0] = true;
            return out.put("unknown", true).put("note", "no S3A constant has the value " + lookup);
        }
        boolean deprecated = false;
        try {
            deprecated = hadoopIsDeprecated != null && (Boolean) hadoopIsDeprecated.invoke(null, lookup);
        } catch (ReflectiveOperationException e) {
            out.put("hadoopDeprecationCheck", e.toString());
        }
        out.put("option", effective).put("deprecatedKey", deprecated)
                .put("owners", List.of("org.apache.hadoop.fs.s3a." + constant + " (plugin s3-fs-hadoop)"));
        if (deprecated) {
            out.putIfNotNull("replacement", hadoopReplacement(lookup));
        }
        if (CREDENTIAL_KEYS.contains(lookup)) {
            out.put("warning", "a credential in the config: S3A reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment");
        }
        return out.put("value", display(key, raw.get(key)));
    }

    private static final java.util.Set<String> CREDENTIAL_KEYS =
            java.util.Set.of("fs.s3a.access.key", "fs.s3a.secret.key", "fs.s3a.session.token");

    /** Hadoop's new key for a deprecated one: set the old key on an empty Configuration, see what else appears. */
    private String hadoopReplacement(String oldKey) {
        try {
            Class<?> c = Class.forName("org.apache.hadoop.conf.Configuration", true, s3Loader);
            Object conf = c.getConstructor(boolean.class).newInstance(false);
            c.getMethod("set", String.class, String.class).invoke(conf, oldKey, "x");
            List<String> keys = new ArrayList<>();
            for (Object e : (Iterable<?>) conf) {
                String k = (String) ((Map.Entry<?, ?>) e).getKey();
                if (!k.equals(oldKey)) {
                    keys.add(k);
                }
            }
            return keys.isEmpty() ? null : String.join(",", keys);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Json typed(Json out, String key, Configuration conf, ConfigOption<?> option, boolean[] failed) {
        try {
            Object v = conf.get(option);
            return out.put("value", display(key, v));
        } catch (RuntimeException e) {
            failed[0] = true;
            return out.put("invalid", String.valueOf(e.getMessage()));
        }
    }

    Map<String, Object> summary() {
        Map<String, Object> m = new TreeMap<>();
        m.put("optionClasses", classes);
        m.put("options", options);
        m.put("suffixOptions", suffixes.size());
        m.put("s3aConstants", s3aConstants.size());
        m.put("scanFailures", scanFailures);
        m.put("plugins", pluginNotes);
        return m;
    }
}
