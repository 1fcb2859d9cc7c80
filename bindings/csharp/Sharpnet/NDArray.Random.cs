using Sharpnet.Interop;

namespace Sharpnet;

public sealed partial class NDArray
{
    /// <summary>
    /// Samplers on a counter-based (Philox) generator: the same seed gives the same samples whatever the thread
    /// count or engine (MXNet's <c>mx.random</c> / <c>mx.nd.random</c>).
    /// </summary>
    public static class Random
    {
        /// <summary>Seeds every sampler that follows, NDArray and graph alike.</summary>
        public static void Seed(ulong seed)
        {
            SharpnetLibrary.EnsureLoaded();
            NativeStatus.Check(Native.sn_random_seed(seed));
        }

        /// <summary>Samples uniformly from [low, high).</summary>
        public static NDArray Uniform(double low = 0, double high = 1, Shape? shape = null, DType dtype = DType.Float32,
                                      Context? ctx = null) =>
            ND.Random.Uniform(low, high, shape ?? new Shape(1), ctx ?? Context.Default, dtype);

        /// <summary>Samples from a normal distribution with mean <paramref name="loc"/> and standard deviation <paramref name="scale"/>.</summary>
        public static NDArray Normal(double loc = 0, double scale = 1, Shape? shape = null, DType dtype = DType.Float32,
                                     Context? ctx = null) =>
            ND.Random.Normal(loc, scale, shape ?? new Shape(1), ctx ?? Context.Default, dtype);
    }
}
