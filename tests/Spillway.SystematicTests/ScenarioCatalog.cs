namespace Spillway.SystematicTests;

/// <summary>Every scenario that must hold, by a stable name: for the stress run and for replaying a saved trace.</summary>
internal static class ScenarioCatalog
{
    public static IReadOnlyDictionary<string, Func<Task>> All { get; } = new Dictionary<string, Func<Task>>
    {
        ["SendVsSwap.TwoHandles"] = SendVsSwapTests.TwoSendersAndItemReaderAsync,
        ["SendVsSwap.SharedLaneBatches"] = SendVsSwapTests.SendersAndBatchReaderAsync,
        ["LaneCreation.ClonesRacingForSlots"] = LaneCreationTests.ClonesRacingForSlotsAsync,
        ["SendVsClose.Complete"] = () => SendVsCloseTests.CompleteRacingSendsAsync(withError: false),
        ["SendVsClose.CompleteWithError"] = () => SendVsCloseTests.CompleteRacingSendsAsync(withError: true),
        ["LastSender.ParkedReader"] = LastSenderCloseRaceTests.ParkedReaderAsync,
        ["LastSender.PollingReader"] = LastSenderCloseRaceTests.PollingReaderAsync,
        ["Parking.TwoSenders"] = ParkingWakeUpTests.TwoSendersWakeReaderAsync,
        ["Parking.CancelRacesWakeUp"] = ParkingWakeUpTests.CancelRacesWakeUpAsync,
        ["Parking.NewWaitSupersedesAbandoned"] = ParkingWakeUpTests.NewWaitSupersedesAbandonedWaitAsync,
        ["Dispose.RacesSendsAndReads"] = ReceiverDisposeTests.DisposeRacesSendsAndReadsAsync,
        ["Dispose.ParkedReader"] = ReceiverDisposeTests.DisposeWakesParkedReaderAsync,
        ["Capacity.WritersAtTheBound"] = CapacityTests.WritersAtTheBoundAsync,
        ["Capacity.DisposeReleasesBlockedWriter"] = CapacityTests.DisposeReleasesBlockedWriterAsync,
        ["Capacity.PendingWriteRacesCompleteOfItsHandle"] = CapacityTests.PendingWriteRacesCompleteOfItsHandleAsync,
        ["ParkingModel.Correct"] = () => BrokenWakeUpTests.ReaderWaitsForTwoItemsAsync(looksAgainAfterArming: true),
    };
}
