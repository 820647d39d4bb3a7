// fib: recursive Fibonacci; measures function calls and returns.
public final class Fib {
    static long fib(long n) {
        if (n < 2) return n;
        return fib(n - 1) + fib(n - 2);
    }

    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 20;
        System.out.println("fib(" + n + ") = " + fib(n));
    }
}
