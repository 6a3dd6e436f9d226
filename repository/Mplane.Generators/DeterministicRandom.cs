namespace Mplane.Generators;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a fast generator whose sequence is fixed by this code,
/// not by the runtime (System.Random's algorithm is an implementation detail), so that generated
/// files are byte-identical for identical arguments on every machine and .NET version.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the generator from one or more numbers (for example a seed and a file index).</summary>
    public DeterministicRandom(params ReadOnlySpan<ulong> seeds)
    {
        var x = 0x6A09E667F3BCC909UL;
        foreach (var seed in seeds)
        {
            x = SplitMix(ref x) ^ seed;
        }

        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => maxExclusive <= 0 ? 0 : (int)(NextDouble() * maxExclusive);

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    /// <summary>A uniform 64-bit integer in [0, <paramref name="maxExclusive"/>).</summary>
    public long NextInt64(long maxExclusive) => maxExclusive <= 0 ? 0 : (long)(NextUInt64() % (ulong)maxExclusive);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>A standard normal deviate (Box-Muller).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A log-normal deviate with the given median and log-scale spread.</summary>
    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * NextGaussian());

    /// <summary>An exponential deviate with the given mean.</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>A count near <paramref name="mean"/> with Poisson-like spread (normal approximation for large means).</summary>
    public long PoissonLike(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean < 30)
        {
            // Knuth's method: exact for small means.
            var limit = Math.Exp(-mean);
            long k = 0;
            for (var p = NextDouble(); p > limit; p *= NextDouble())
            {
                k++;
            }

            return k;
        }

        return Math.Max(0, (long)Math.Round(mean + Math.Sqrt(mean) * NextGaussian()));
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
