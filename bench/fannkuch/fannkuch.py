# fannkuch: fannkuch-redux over every permutation of 0..n (int arrays).
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    perm = [0] * n
    perm1 = list(range(n))
    count = [0] * n
    max_flips = checksum = perm_count = 0
    r = n
    done = False
    while not done:
        while r != 1:
            count[r - 1] = r
            r -= 1
        for i in range(n):
            perm[i] = perm1[i]
        flips = 0
        k = perm[0]
        while k != 0:
            i = 0
            j = k
            while i < j:
                t = perm[i]
                perm[i] = perm[j]
                perm[j] = t
                i += 1
                j -= 1
            flips += 1
            k = perm[0]
        if flips > max_flips:
            max_flips = flips
        if perm_count % 2 == 0:
            checksum += flips
        else:
            checksum -= flips
        # Next permutation, by rotating prefixes.
        more = True
        while more:
            if r == n:
                done = True
                more = False
            else:
                perm0 = perm1[0]
                for i in range(r):
                    perm1[i] = perm1[i + 1]
                perm1[r] = perm0
                count[r] -= 1
                if count[r] > 0:
                    more = False
                else:
                    r += 1
        perm_count += 1
    print("%d\nPfannkuchen(%d) = %d" % (checksum, n, max_flips))


main()
