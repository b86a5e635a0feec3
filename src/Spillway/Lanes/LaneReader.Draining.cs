namespace Spillway;

/// <summary>The end of reading: whether the channel is drained and done, and dropping or draining what the reader holds.</summary>
internal partial struct LaneReader<T>
{
    /// <summary>
    /// Gets whether no message can ever arrive again and none is left: every counted sender is released (or the
    /// channel is closed) and, looking again after seeing that, every lane is empty. The caller's batch must be empty.
    /// </summary>
    public bool IsDrainedAndDone()
    {
        if (HasBuffered)
        {
            return false;
        }

        if (_set.IsClosed)
        {
            return true;
        }

        // Order matters, and is the fix for the original crate's close race: first see the sender count at zero
        // (an acquire read), then look at the lanes again. Any message sent before the last release is visible now.
        return _set.WritersDone && !_set.AnyLaneHasItems();
    }

    /// <summary>
    /// Drops the current batch (the reader is closing), adding the tags of its unread tagged messages to
    /// <paramref name="droppedTags"/> when given.
    /// </summary>
    public void DiscardBuffered(List<object>? droppedTags = null)
    {
        if (HasHeld)
        {
            DiscardHeld(destination: null, droppedTags);
        }

        if (droppedTags is not null && _batchTags is { Count: > 0 } tags)
        {
            tags.CopyTagsFrom(_index, droppedTags);
        }

        _index = _count;
        Recycle();
    }

    /// <summary>
    /// Copies the unread messages of the current batch out, then drops them; the tags of the tagged ones go to
    /// <paramref name="droppedTags"/> when given.
    /// </summary>
    public void DrainBufferedTo(List<T> destination, List<object>? droppedTags = null)
    {
        if (HasHeld)
        {
            DiscardHeld(destination, droppedTags);
        }

        for (var i = _index; i < _count; i++)
        {
            destination.Add(_batch[i]);
        }

        DiscardBuffered(droppedTags);
    }
}
