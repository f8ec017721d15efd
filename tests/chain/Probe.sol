// SPDX-License-Identifier: Apache-2.0
// A tiny contract for the chain backend tests: a storage write, an event, a custom error with
// arguments and a require with a string reason.
//
// Regenerate tests/chain/probe.json after a change (from the repository root):
//   node tests/chain/compile_probe.js
pragma solidity 0.8.26;

contract Probe {
    /// @notice Emitted after `set` stored a value.
    event ValueSet(address indexed by, uint256 indexed value, string note);

    /// @notice `setChecked` was given a value above the limit.
    error TooLarge(uint256 value, uint256 limit);

    uint256 private _value;

    /// @notice Store `value` and log it.
    function set(uint256 value, string calldata note) external {
        _value = value;
        emit ValueSet(msg.sender, value, note);
    }

    /// @notice Store `value` unless it exceeds `limit` (reverts with the custom error).
    function setChecked(uint256 value, uint256 limit) external {
        // The custom error carries both numbers so the caller can see by how much.
        if (value > limit) revert TooLarge(value, limit);
        _value = value;
        emit ValueSet(msg.sender, value, "");
    }

    /// @notice Store a non-zero `value` (reverts with a string reason for zero).
    function setNonZero(uint256 value) external {
        require(value != 0, "value is zero");
        _value = value;
    }

    /// @notice The stored value.
    function value() external view returns (uint256) {
        return _value;
    }

    /// @notice The caller as the EVM sees it (checks `call(..., sender=)`).
    function whoami() external view returns (address) {
        return msg.sender;
    }

    /// @notice Reverts with the custom error, for calls.
    function failView(uint256 value_) external pure returns (uint256) {
        revert TooLarge(value_, 0);
    }
}
