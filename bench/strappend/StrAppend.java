// strappend: append n short pieces to one string (a StringBuilder, as a
// Java programmer appends), hash every 97th byte.
public final class StrAppend {
    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1000;
        String[] pieces = {"a", "bc", "def", "ghij", "klmno", "pqrstu", "vwxyz01"};
        StringBuilder sb = new StringBuilder();
        for (long i = 0; i < n; i++) {
            sb.append(pieces[(int) (i % 7)]);
        }
        byte[] b = sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long h = 0;
        for (int i = 0; i < b.length; i += 97) {
            h = (h * 31 + (b[i] & 0xff)) % 1000000007L;
        }
        System.out.println("strappend(" + n + "): length " + b.length + ", hash " + h);
    }
}
