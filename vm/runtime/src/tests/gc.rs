//! Collection: garbage well beyond the heap limit is reclaimed while live
//! data survives being moved; live data beyond the limit is `out of memory`.
