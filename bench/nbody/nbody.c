/* nbody: the Jovian planets orbiting the sun (float arithmetic, sqrt). */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

typedef struct { double x, y, z, vx, vy, vz, mass; } Body;

static const double PI = 3.141592653589793;
static double SOLAR_MASS, DAYS_PER_YEAR = 365.24;

static Body body(double x, double y, double z, double vx, double vy, double vz, double mass) {
    Body b = { x, y, z, vx * DAYS_PER_YEAR, vy * DAYS_PER_YEAR, vz * DAYS_PER_YEAR, mass * SOLAR_MASS };
    return b;
}

static void offset_momentum(Body *bodies, int nb) {
    double px = 0.0, py = 0.0, pz = 0.0;
    for (int i = 0; i < nb; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static double energy(Body *bodies, int nb) {
    double e = 0.0;
    for (int i = 0; i < nb; i++) {
        Body *b = &bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < nb; j++) {
            Body *b2 = &bodies[j];
            double dx = b->x - b2->x;
            double dy = b->y - b2->y;
            double dz = b->z - b2->z;
            double distance = sqrt(dx * dx + dy * dy + dz * dz);
            e -= (b->mass * b2->mass) / distance;
        }
    }
    return e;
}

static void advance(Body *bodies, int nb, double dt) {
    for (int i = 0; i < nb; i++) {
        Body *b = &bodies[i];
        for (int j = i + 1; j < nb; j++) {
            Body *b2 = &bodies[j];
            double dx = b->x - b2->x;
            double dy = b->y - b2->y;
            double dz = b->z - b2->z;
            double distance = sqrt(dx * dx + dy * dy + dz * dz);
            double mag = dt / (distance * distance * distance);
            b->vx -= dx * b2->mass * mag;
            b->vy -= dy * b2->mass * mag;
            b->vz -= dz * b2->mass * mag;
            b2->vx += dx * b->mass * mag;
            b2->vy += dy * b->mass * mag;
            b2->vz += dz * b->mass * mag;
        }
    }
    for (int i = 0; i < nb; i++) {
        Body *b = &bodies[i];
        b->x += dt * b->vx;
        b->y += dt * b->vy;
        b->z += dt * b->vz;
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    SOLAR_MASS = 4.0 * PI * PI;
    Body bodies[5];
    bodies[0] = body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0);
    bodies[1] = body(4.84143144246472090, -1.16032004402742839, -0.103622044471123109,
                     0.00166007664274403694, 0.00769901118419740425, -0.0000690460016972063023,
                     0.000954791938424326609);
    bodies[2] = body(8.34336671824457987, 4.12479856412430479, -0.403523417114321381,
                     -0.00276742510726862411, 0.00499852801234917238, 0.0000230417297573763929,
                     0.000285885980666130812);
    bodies[3] = body(12.8943695621391310, -15.1111514016986312, -0.223307578892655734,
                     0.00296460137564761618, 0.00237847173959480950, -0.0000296589568540237556,
                     0.0000436624404335156298);
    bodies[4] = body(15.3796971148509165, -25.9193146099879641, 0.179258772950371181,
                     0.00268067772490389322, 0.00162824170038242295, -0.0000951592254519715870,
                     0.0000515138902046611451);
    offset_momentum(bodies, 5);
    printf("%.9f\n", energy(bodies, 5));
    for (long i = 0; i < n; i++) advance(bodies, 5, 0.01);
    printf("%.9f\n", energy(bodies, 5));
    return 0;
}
