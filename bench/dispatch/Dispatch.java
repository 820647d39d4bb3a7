// dispatch: interface calls over four classes mixed in one array.
import java.util.ArrayList;

public final class Dispatch {
    interface Shape { long area(); }

    static final class Circle implements Shape {
        final long r;
        Circle(long r) { this.r = r; }
        public long area() { return 3 * r * r; }
    }

    static final class Rect implements Shape {
        final long w, h;
        Rect(long w, long h) { this.w = w; this.h = h; }
        public long area() { return w * h; }
    }

    static final class Square implements Shape {
        final long s;
        Square(long s) { this.s = s; }
        public long area() { return s * s; }
    }

    static final class Triangle implements Shape {
        final long b, h;
        Triangle(long b, long h) { this.b = b; this.h = h; }
        public long area() { return b * h + b; }
    }

    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 10;
        ArrayList<Shape> shapes = new ArrayList<>();
        for (long i = 0; i < 1000; i++) {
            long d = i % 10 + 1;
            long kind = i % 4;
            if (kind == 0) shapes.add(new Circle(d));
            else if (kind == 1) shapes.add(new Rect(d, d + 1));
            else if (kind == 2) shapes.add(new Square(d));
            else shapes.add(new Triangle(d, d + 2));
        }
        long total = 0;
        for (long pass = 0; pass < n; pass++) {
            for (Shape s : shapes) total += s.area();
        }
        System.out.println("dispatch(" + n + ") = " + total);
    }
}
