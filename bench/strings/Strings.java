// strings: build n short strings, join them, hash every byte.
import java.util.ArrayList;

public final class Strings {
    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1000;
        ArrayList<String> parts = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            parts.add("<" + i + ":" + (i * 7 % 1000) + ">");
        }
        String s = String.join(",", parts);
        long h = 0;
        int len = s.length();   // ASCII only, so chars are bytes
        for (int i = 0; i < len; i++) {
            h = (h * 31 + s.charAt(i)) % 1000000007L;
        }
        System.out.println("strings(" + n + "): length " + len + ", hash " + h);
    }
}
