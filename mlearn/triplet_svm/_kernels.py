"""The compiled kernel of TripletSVM: the margins Zw straight from the points.

Imported from inside :meth:`TripletFeatures.matvec
<mlearn.triplet_svm._features.TripletFeatures.matvec>` when it first needs it,
so that ``import mlearn`` does not import numba.
"""

from .._jit import jit


@jit
def triplet_margins(Xb, triplets, w, out):
    """out_t = z_tᵀ w, z_t = (b_i − b_k)² − (b_i − b_j)² for the rows b of ``Xb``.

    One pass with no n_triplets × m temporaries: for Z too large to keep, this
    is ~10× faster than forming it block by block for a single product.
    """
    for t in range(triplets.shape[0]):
        i, j, k = triplets[t, 0], triplets[t, 1], triplets[t, 2]
        total = 0.0
        for c in range(Xb.shape[1]):
            far = Xb[i, c] - Xb[k, c]
            near = Xb[i, c] - Xb[j, c]
            total += w[c] * (far * far - near * near)
        out[t] = total
