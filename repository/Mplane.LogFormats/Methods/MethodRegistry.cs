namespace Mplane.LogFormats.Methods;

/// <summary>The record methods the product knows, and the recognition of an input's method from its first line.</summary>
public sealed class MethodRegistry
{
    /// <summary>A registry of every built-in method.</summary>
    public MethodRegistry()
        : this([new TstatMethod(), new MawiMethod()])
    {
    }

    /// <summary>A registry of the given methods, tried in order.</summary>
    public MethodRegistry(IReadOnlyList<IRecordMethod> methods) => Methods = methods;

    /// <summary>The methods, in recognition order.</summary>
    public IReadOnlyList<IRecordMethod> Methods { get; }

    /// <summary>The method called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No method has that name; the message lists those that exist.</exception>
    public IRecordMethod Get(string name) =>
        Methods.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown method '{name}'; known methods: {string.Join(", ", Methods.Select(m => m.Name))}");

    /// <summary>The first method that recognises <paramref name="firstLine"/>, or null.</summary>
    public IRecordMethod? Recognise(ReadOnlySpan<byte> firstLine)
    {
        foreach (var method in Methods)
        {
            if (method.Recognises(firstLine))
            {
                return method;
            }
        }

        return null;
    }
}
