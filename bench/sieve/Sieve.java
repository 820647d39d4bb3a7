// sieve: the sieve of Eratosthenes up to n over a bool array.
public final class Sieve {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        boolean[] composite = new boolean[n + 1];
        long count = 0, sum = 0;
        for (int i = 2; i <= n; i++) {
            if (!composite[i]) {
                count += 1;
                sum += i;
                for (long j = (long) i * i; j <= n; j += i) composite[(int) j] = true;
            }
        }
        System.out.println("primes up to " + n + ": " + count + ", sum " + sum);
    }
}
