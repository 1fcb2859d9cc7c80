using Sharpnet.Interop;

namespace Sharpnet;

public sealed partial class NDArray
{
    /// <summary>Saves named arrays in MXNet's NDArray format (what mx.nd.save and .params files use).</summary>
    public static void Save(string path, IReadOnlyDictionary<string, NDArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(arrays);
        SaveEntries(path, arrays.Select(kv => (kv.Value, (string?)kv.Key)));
    }

    /// <summary>Saves an unnamed list of arrays in MXNet's NDArray format.</summary>
    public static void Save(string path, IEnumerable<NDArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(arrays);
        SaveEntries(path, arrays.Select(a => (a, (string?)null)));
    }

    private static void SaveEntries(string path, IEnumerable<(NDArray Array, string? Name)> entries)
    {
        SharpnetLibrary.EnsureLoaded();
        NativeStatus.Check(Native.sn_ndarray_list_create(out NDArrayListHandle list));
        using (list)
        {
            foreach (var (array, name) in entries)
            {
                ArgumentNullException.ThrowIfNull(array, nameof(entries));
                NativeStatus.Check(Native.sn_ndarray_list_append(list, array.Handle, name));
            }
            NativeStatus.Check(Native.sn_ndarray_save(path, list));
        }
    }

    /// <summary>Loads a named MXNet NDArray file (a .params file: names such as arg:conv1_weight).</summary>
    public static IReadOnlyDictionary<string, NDArray> LoadDict(string path)
    {
        var entries = LoadEntries(path);
        if (entries.Count > 0 && entries.Any(e => e.Name.Length == 0))
        {
            foreach (var e in entries) e.Array.Dispose();
            throw new SharpnetException(ErrorCode.Format, $"LoadDict: '{path}' holds an unnamed list of arrays; use LoadList");
        }
        var dict = new Dictionary<string, NDArray>(entries.Count);
        foreach (var (array, name) in entries)
        {
            if (!dict.TryAdd(name, array))
            {
                foreach (var e in entries) e.Array.Dispose();
                throw new SharpnetException(ErrorCode.Format, $"LoadDict: '{path}' holds the name '{name}' twice");
            }
        }
        return dict;
    }

    /// <summary>Loads the arrays of an MXNet NDArray file in order (names, if any, are dropped).</summary>
    public static IReadOnlyList<NDArray> LoadList(string path) => LoadEntries(path).Select(e => e.Array).ToList();

    private static unsafe List<(NDArray Array, string Name)> LoadEntries(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        SharpnetLibrary.EnsureLoaded();
        NativeStatus.Check(Native.sn_ndarray_load(path, out NDArrayListHandle list));
        using (list)
        {
            NativeStatus.Check(Native.sn_ndarray_list_size(list, out long count));
            var result = new List<(NDArray, string)>((int)count);
            for (long i = 0; i < count; i++)
            {
                NativeStatus.Check(Native.sn_ndarray_list_get(list, i, out NDArrayHandle h, out byte* name));
                result.Add((new NDArray(h, ownsStorage: true), NativeStatus.ReadUtf8(name)));
            }
            return result;
        }
    }
}
