// sort: n pseudo-random ints (Park-Miller, all distinct) sorted largest
// first by the library's sort (Arrays.sort) with a comparison function.
import java.util.Arrays;

public final class Sort {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Long[] xs = new Long[n];
        long seed = 42;
        for (int i = 0; i < n; i++) {
            seed = seed * 16807 % 2147483647;
            xs[i] = seed;
        }
        Arrays.sort(xs, (x, y) -> Long.compare(y, x));
        long bad = 0, sum = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && xs[i - 1] < xs[i]) bad += 1;
            sum += xs[i] * (i % 3 + 1);
        }
        System.out.println("sorted " + n + ": " + bad + " out of order, first " + xs[0]
            + ", last " + xs[n - 1] + ", checksum " + sum);
    }
}
