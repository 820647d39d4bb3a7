// spectralnorm: power iteration on an infinite matrix (float arrays).
import java.math.BigDecimal;
import java.math.RoundingMode;

public final class SpectralNorm {
    // Exact decimal rounding of the binary value, as C's printf does.
    static String fixed(double x, int digits) {
        return new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    }

    static double a(long i, long j) {
        return 1.0 / (double) ((i + j) * (i + j + 1) / 2 + i + 1);
    }

    static void mulAv(int n, double[] v, double[] av) {
        for (int i = 0; i < n; i++) {
            double sum = 0.0;
            for (int j = 0; j < n; j++) sum += a(i, j) * v[j];
            av[i] = sum;
        }
    }

    static void mulAtv(int n, double[] v, double[] atv) {
        for (int i = 0; i < n; i++) {
            double sum = 0.0;
            for (int j = 0; j < n; j++) sum += a(j, i) * v[j];
            atv[i] = sum;
        }
    }

    static void mulAtAv(int n, double[] v, double[] out, double[] tmp) {
        mulAv(n, v, tmp);
        mulAtv(n, tmp, out);
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        double[] u = new double[n];
        double[] v = new double[n];
        double[] tmp = new double[n];
        for (int i = 0; i < n; i++) u[i] = 1.0;
        for (int i = 0; i < 10; i++) {
            mulAtAv(n, u, v, tmp);
            mulAtAv(n, v, u, tmp);
        }
        double vbv = 0.0, vv = 0.0;
        for (int i = 0; i < n; i++) {
            vbv += u[i] * v[i];
            vv += v[i] * v[i];
        }
        System.out.println(fixed(Math.sqrt(vbv / vv), 9));
    }
}
