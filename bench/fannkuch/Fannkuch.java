// fannkuch: fannkuch-redux over every permutation of 0..n (int arrays).
public final class Fannkuch {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        long[] perm = new long[n];
        long[] perm1 = new long[n];
        long[] count = new long[n];
        for (int i = 0; i < n; i++) perm1[i] = i;
        long maxFlips = 0, checksum = 0, permCount = 0;
        int r = n;
        boolean done = false;
        while (!done) {
            while (r != 1) {
                count[r - 1] = r;
                r -= 1;
            }
            for (int i = 0; i < n; i++) perm[i] = perm1[i];
            long flips = 0;
            int k = (int) perm[0];
            while (k != 0) {
                int i = 0, j = k;
                while (i < j) {
                    long t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                    i += 1;
                    j -= 1;
                }
                flips += 1;
                k = (int) perm[0];
            }
            if (flips > maxFlips) maxFlips = flips;
            if (permCount % 2 == 0) checksum += flips; else checksum -= flips;
            // Next permutation, by rotating prefixes.
            boolean more = true;
            while (more) {
                if (r == n) {
                    done = true;
                    more = false;
                } else {
                    long perm0 = perm1[0];
                    for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
                    perm1[r] = perm0;
                    count[r] -= 1;
                    if (count[r] > 0) more = false; else r += 1;
                }
            }
            permCount += 1;
        }
        System.out.println(checksum + "\nPfannkuchen(" + n + ") = " + maxFlips);
    }
}
