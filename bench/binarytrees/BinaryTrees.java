// binarytrees: allocate and walk many short-lived binary trees (GC).
public final class BinaryTrees {
    static final class Node {
        final Node left, right;

        Node(Node left, Node right) {
            this.left = left;
            this.right = right;
        }
    }

    static Node make(long depth) {
        if (depth == 0) return new Node(null, null);
        return new Node(make(depth - 1), make(depth - 1));
    }

    static long check(Node t) {
        if (t.left == null) return 1;
        return 1 + check(t.left) + check(t.right);
    }

    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 6;
        long minDepth = 4;
        long maxDepth = n;
        if (minDepth + 2 > n) maxDepth = minDepth + 2;
        long stretch = maxDepth + 1;
        System.out.println("stretch tree of depth " + stretch + " check: " + check(make(stretch)));
        Node longLived = make(maxDepth);
        for (long d = minDepth; d <= maxDepth; d += 2) {
            long iterations = 1;
            for (long k = 0; k < maxDepth - d + minDepth; k++) iterations *= 2;
            long sum = 0;
            for (long i = 0; i < iterations; i++) sum += check(make(d));
            System.out.println(iterations + " trees of depth " + d + " check: " + sum);
        }
        System.out.println("long lived tree of depth " + maxDepth + " check: " + check(longLived));
    }
}
