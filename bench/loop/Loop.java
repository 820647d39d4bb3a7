// loop: a tight integer loop (multiply, add, remainder).
public final class Loop {
    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1000;
        long s = 0;
        for (long i = 0; i < n; i++) {
            s = (s * 31 + i) % 1000000007L;
        }
        System.out.println("loop(" + n + ") = " + s);
    }
}
