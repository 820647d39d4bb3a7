// nbody: the Jovian planets orbiting the sun (float arithmetic, sqrt).
import java.math.BigDecimal;
import java.math.RoundingMode;

public final class NBody {
    static final double PI = 3.141592653589793;
    static final double SOLAR_MASS = 4.0 * PI * PI;
    static final double DAYS_PER_YEAR = 365.24;

    static final class Body {
        double x, y, z, vx, vy, vz, mass;

        Body(double x, double y, double z, double vx, double vy, double vz, double mass) {
            this.x = x;
            this.y = y;
            this.z = z;
            this.vx = vx * DAYS_PER_YEAR;
            this.vy = vy * DAYS_PER_YEAR;
            this.vz = vz * DAYS_PER_YEAR;
            this.mass = mass * SOLAR_MASS;
        }
    }

    // Exact decimal rounding of the binary value, as C's printf does
    // (String.format rounds a shortest-repr string half-up instead).
    static String fixed(double x, int digits) {
        return new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    }

    static void offsetMomentum(Body[] bodies) {
        double px = 0.0, py = 0.0, pz = 0.0;
        for (Body b : bodies) {
            px += b.vx * b.mass;
            py += b.vy * b.mass;
            pz += b.vz * b.mass;
        }
        Body sun = bodies[0];
        sun.vx = -px / SOLAR_MASS;
        sun.vy = -py / SOLAR_MASS;
        sun.vz = -pz / SOLAR_MASS;
    }

    static double energy(Body[] bodies) {
        double e = 0.0;
        int nb = bodies.length;
        for (int i = 0; i < nb; i++) {
            Body b = bodies[i];
            e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
            for (int j = i + 1; j < nb; j++) {
                Body b2 = bodies[j];
                double dx = b.x - b2.x;
                double dy = b.y - b2.y;
                double dz = b.z - b2.z;
                double distance = Math.sqrt(dx * dx + dy * dy + dz * dz);
                e -= (b.mass * b2.mass) / distance;
            }
        }
        return e;
    }

    static void advance(Body[] bodies, double dt) {
        int nb = bodies.length;
        for (int i = 0; i < nb; i++) {
            Body b = bodies[i];
            for (int j = i + 1; j < nb; j++) {
                Body b2 = bodies[j];
                double dx = b.x - b2.x;
                double dy = b.y - b2.y;
                double dz = b.z - b2.z;
                double distance = Math.sqrt(dx * dx + dy * dy + dz * dz);
                double mag = dt / (distance * distance * distance);
                b.vx -= dx * b2.mass * mag;
                b.vy -= dy * b2.mass * mag;
                b.vz -= dz * b2.mass * mag;
                b2.vx += dx * b.mass * mag;
                b2.vy += dy * b.mass * mag;
                b2.vz += dz * b.mass * mag;
            }
        }
        for (Body b : bodies) {
            b.x += dt * b.vx;
            b.y += dt * b.vy;
            b.z += dt * b.vz;
        }
    }

    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1000;
        Body[] bodies = {
            // sun
            new Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
            // jupiter
            new Body(4.84143144246472090, -1.16032004402742839, -0.103622044471123109,
                     0.00166007664274403694, 0.00769901118419740425, -0.0000690460016972063023,
                     0.000954791938424326609),
            // saturn
            new Body(8.34336671824457987, 4.12479856412430479, -0.403523417114321381,
                     -0.00276742510726862411, 0.00499852801234917238, 0.0000230417297573763929,
                     0.000285885980666130812),
            // uranus
            new Body(12.8943695621391310, -15.1111514016986312, -0.223307578892655734,
                     0.00296460137564761618, 0.00237847173959480950, -0.0000296589568540237556,
                     0.0000436624404335156298),
            // neptune
            new Body(15.3796971148509165, -25.9193146099879641, 0.179258772950371181,
                     0.00268067772490389322, 0.00162824170038242295, -0.0000951592254519715870,
                     0.0000515138902046611451),
        };
        offsetMomentum(bodies);
        System.out.println(fixed(energy(bodies), 9));
        for (long i = 0; i < n; i++) advance(bodies, 0.01);
        System.out.println(fixed(energy(bodies), 9));
    }
}
