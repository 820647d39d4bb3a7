// mapstr: a hash map with string keys (HashMap<String, Long>).
import java.util.HashMap;

public final class MapStr {
    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1000;
        long range = 4 * n;
        HashMap<String, Long> m = new HashMap<>();
        long x = 1;
        for (long i = 0; i < n; i++) {
            x = x * 16807 % 2147483647L;
            String k = "key" + (x % range);
            m.put(k, m.getOrDefault(k, 0L) + 1);
        }
        long hits = 0, sum = 0;
        for (long i = 0; i < n; i++) {
            x = x * 16807 % 2147483647L;
            long v = m.getOrDefault("key" + (x % range), 0L);
            if (v > 0) hits += 1;
            sum += v;
        }
        System.out.println("mapstr(" + n + "): size " + m.size() + ", hits " + hits + ", sum " + sum);
    }
}
