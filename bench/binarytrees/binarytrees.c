/* binarytrees: allocate and walk many short-lived binary trees (malloc/free). */
#include <stdio.h>
#include <stdlib.h>

typedef struct Node { struct Node *left, *right; } Node;

static Node *make(long depth) {
    Node *t = malloc(sizeof(Node));
    if (depth == 0) {
        t->left = t->right = NULL;
    } else {
        t->left = make(depth - 1);
        t->right = make(depth - 1);
    }
    return t;
}

static long check(const Node *t) {
    if (t->left == NULL) return 1;
    return 1 + check(t->left) + check(t->right);
}

static void release(Node *t) {
    if (t->left != NULL) { release(t->left); release(t->right); }
    free(t);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 6;
    long min_depth = 4;
    long max_depth = n;
    if (min_depth + 2 > n) max_depth = min_depth + 2;
    long stretch = max_depth + 1;
    Node *st = make(stretch);
    printf("stretch tree of depth %ld check: %ld\n", stretch, check(st));
    release(st);
    Node *long_lived = make(max_depth);
    for (long d = min_depth; d <= max_depth; d += 2) {
        long iterations = 1;
        for (long k = 0; k < max_depth - d + min_depth; k++) iterations *= 2;
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            Node *t = make(d);
            sum += check(t);
            release(t);
        }
        printf("%ld trees of depth %ld check: %ld\n", iterations, d, sum);
    }
    printf("long lived tree of depth %ld check: %ld\n", max_depth, check(long_lived));
    release(long_lived);
    return 0;
}
