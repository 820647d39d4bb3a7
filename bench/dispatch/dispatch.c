/* dispatch: calls through a table of function pointers over four struct
   types mixed in one array (C's form of a trait object). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

typedef struct Shape Shape;
typedef struct { int64_t (*area)(const Shape *); } VTable;
struct Shape { const VTable *vt; };

typedef struct { Shape base; int64_t r; } Circle;
typedef struct { Shape base; int64_t w, h; } Rect;
typedef struct { Shape base; int64_t s; } Square;
typedef struct { Shape base; int64_t b, h; } Triangle;

static int64_t circle_area(const Shape *p) { const Circle *c = (const Circle *)p; return 3 * c->r * c->r; }
static int64_t rect_area(const Shape *p) { const Rect *r = (const Rect *)p; return r->w * r->h; }
static int64_t square_area(const Shape *p) { const Square *s = (const Square *)p; return s->s * s->s; }
static int64_t triangle_area(const Shape *p) { const Triangle *t = (const Triangle *)p; return t->b * t->h + t->b; }

static const VTable CIRCLE = { circle_area }, RECT = { rect_area }, SQUARE = { square_area },
                    TRIANGLE = { triangle_area };

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 10;
    Shape *shapes[1000];
    for (int64_t i = 0; i < 1000; i++) {
        int64_t d = i % 10 + 1;
        int64_t kind = i % 4;
        if (kind == 0) {
            Circle *c = malloc(sizeof *c); c->base.vt = &CIRCLE; c->r = d; shapes[i] = &c->base;
        } else if (kind == 1) {
            Rect *r = malloc(sizeof *r); r->base.vt = &RECT; r->w = d; r->h = d + 1; shapes[i] = &r->base;
        } else if (kind == 2) {
            Square *s = malloc(sizeof *s); s->base.vt = &SQUARE; s->s = d; shapes[i] = &s->base;
        } else {
            Triangle *t = malloc(sizeof *t); t->base.vt = &TRIANGLE; t->b = d; t->h = d + 2; shapes[i] = &t->base;
        }
    }
    int64_t total = 0;
    for (int64_t pass = 0; pass < n; pass++) {
        for (int i = 0; i < 1000; i++) {
            Shape *s = shapes[i];
            total += s->vt->area(s);
        }
    }
    printf("dispatch(%lld) = %lld\n", (long long)n, (long long)total);
    for (int i = 0; i < 1000; i++) free(shapes[i]);
    return 0;
}
