// hello: print a greeting n times; measures start-up.
public final class Hello {
    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1;
        for (long i = 0; i < n; i++) System.out.println("Hello, world!");
    }
}
