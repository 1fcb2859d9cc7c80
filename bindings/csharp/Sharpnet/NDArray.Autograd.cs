using System.Runtime.InteropServices;
using Sharpnet.Interop;

namespace Sharpnet;

public sealed partial class NDArray
{
    private NDArray? _grad;  // the gradient buffer attached through this array (owned: disposed with it)

    // An array for a handle the native library just created (an operator's result).
    internal static NDArray FromNewHandle(nint raw, bool ownsStorage = true, bool register = true)
    {
        var h = new NDArrayHandle();
        Marshal.InitHandle(h, raw);
        return new NDArray(h, ownsStorage, register);
    }

    /// <summary>
    /// Makes this array a variable: backward stores its gradient into a buffer of zeros (or <paramref name="grad"/>),
    /// written or added per <paramref name="gradReq"/>. Replaces any history the array had (MXNet's attach_grad).
    /// </summary>
    public void AttachGrad(GradReq gradReq = GradReq.Write, NDArray? grad = null)
    {
        NativeStatus.Check(Native.sn_autograd_attach_grad(Handle, gradReq, grad?.Handle ?? s_nullHandle));
        NativeStatus.Check(Native.sn_autograd_get_grad(Handle, out byte has, out NDArrayHandle g));
        NDArray? previous = _grad;
        // The buffer belongs to this array (not to the scope it was attached in); a given buffer stays the caller's.
        _grad = has != 0 ? new NDArray(g, ownsStorage: grad is null, register: false) : null;
        previous?.Dispose();
    }

    private static readonly NDArrayHandle s_nullHandle = new();

    /// <summary>The gradient buffer of a variable (see <see cref="AttachGrad"/>), or null.</summary>
    public NDArray? Grad => _grad;

    /// <summary>How backward stores this variable's gradient (<see cref="GradReq.Null"/> if it is not a variable).</summary>
    public GradReq GradReq
    {
        get
        {
            NativeStatus.Check(Native.sn_autograd_get_grad_req(Handle, out GradReq req));
            return req;
        }
    }

    /// <summary>Whether this array was recorded by autograd or has an attached gradient.</summary>
    public bool HasHistory
    {
        get
        {
            NativeStatus.Check(Native.sn_autograd_has_history(Handle, out byte has));
            return has != 0;
        }
    }

    /// <summary>
    /// Backward from this array (a head) into the gradients of the variables it depends on; <paramref name="headGrad"/>
    /// weighs it (ones by default). See <see cref="Autograd.Backward(IReadOnlyList{NDArray}, IReadOnlyList{NDArray?}?, bool, bool)"/>.
    /// </summary>
    public void Backward(NDArray? headGrad = null, bool retainGraph = false, bool trainMode = true) =>
        Autograd.Backward([this], headGrad is null ? null : [headGrad], retainGraph, trainMode);

    /// <summary>The same data without history: gradients do not flow back through the result.</summary>
    public NDArray Detach()
    {
        NativeStatus.Check(Native.sn_autograd_detach(Handle, out NDArrayHandle h));
        return new NDArray(h, ownsStorage: false);
    }
}
