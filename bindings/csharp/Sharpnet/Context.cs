using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// A device (MXNet's context): <c>cpu(0)</c>, <c>gpu(1)</c>. <c>cpu(0)</c>, <c>cpu(1)</c>, ... are distinct devices
/// with their own engine queues, so multi-device code runs without a GPU. Creating <c>Context.Gpu(0)</c> always
/// works; using it in a build without CUDA fails with a clear message.
/// </summary>
public readonly record struct Context
{
    private static readonly AsyncLocal<Context?> AmbientDefault = new();

    /// <summary>A context of a device type and ordinal.</summary>
    public Context(DeviceType deviceType, int deviceId)
    {
        if (!Enum.IsDefined(deviceType))
            throw new ArgumentOutOfRangeException(nameof(deviceType), $"unknown device type {(int)deviceType}");
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        DeviceType = deviceType;
        DeviceId = deviceId;
    }

    /// <summary>The device type.</summary>
    public DeviceType DeviceType { get; }

    /// <summary>The device ordinal.</summary>
    public int DeviceId { get; }

    /// <summary>CPU device <paramref name="deviceId"/>.</summary>
    public static Context Cpu(int deviceId = 0) => new(DeviceType.Cpu, deviceId);

    /// <summary>GPU device <paramref name="deviceId"/>.</summary>
    public static Context Gpu(int deviceId = 0) => new(DeviceType.Gpu, deviceId);

    /// <summary>Page-locked host memory for fast copies to GPU <paramref name="deviceId"/>.</summary>
    public static Context CpuPinned(int deviceId = 0) => new(DeviceType.CpuPinned, deviceId);

    /// <summary>
    /// The context new arrays go to: <c>cpu(0)</c> unless changed with <c>using (Context.Gpu(0).Use())</c>.
    /// Flows with async code (AsyncLocal).
    /// </summary>
    public static Context Default => AmbientDefault.Value ?? Cpu(0);

    /// <summary>Makes this context the <see cref="Default"/> until the returned scope is disposed.</summary>
    public IDisposable Use()
    {
        var previous = AmbientDefault.Value;
        AmbientDefault.Value = this;
        return new Scope(previous);
    }

    /// <summary>Number of GPUs this process can use (0 in a build without CUDA).</summary>
    public static int NumGpus()
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_context_num_gpus(out int count));
        return count;
    }

    /// <summary>MXNet's spelling: <c>cpu(0)</c>, <c>gpu(1)</c>, <c>cpu_pinned(0)</c>.</summary>
    public override string ToString() =>
        Enum.IsDefined(DeviceType) ? $"{DeviceType.MXNetName()}({DeviceId})" : $"device{(int)DeviceType}({DeviceId})";

    private sealed class Scope(Context? previous) : IDisposable
    {
        private bool _disposed;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            AmbientDefault.Value = previous;
        }
    }
}

/// <summary>MXNet's names for device types.</summary>
public static class DeviceTypeExtensions
{
    /// <summary>"cpu", "gpu" or "cpu_pinned".</summary>
    public static string MXNetName(this DeviceType deviceType) => deviceType switch
    {
        DeviceType.Cpu => "cpu",
        DeviceType.Gpu => "gpu",
        DeviceType.CpuPinned => "cpu_pinned",
        _ => throw new ArgumentOutOfRangeException(nameof(deviceType), $"unknown device type {(int)deviceType}"),
    };
}
