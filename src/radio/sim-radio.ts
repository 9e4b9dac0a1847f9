/**
 * The simulated CC1101 for a radio started with `radio: 'sim'`: the ether from the scenario or air
 * module, and the fault a test asked for. Imported only when a simulation is asked for, so a
 * gateway on real hardware never loads the simulator.
 */
import type { Clock } from '../../drivers/clock.js';
import { SimCc1101 } from '../../drivers/cc1101/sim/chip.js';
import { type RadioOptions, SIM_FAULTS, SIM_FAULT_ENV, type SimFault } from './messages.js';
import { ScenarioError, buildEther } from './sim-air.js';

/** VERSION of the clone the 'clone' fault simulates: what many cheap modules report. */
const CLONE_VERSION = 0x17;

/** spidev ioctl overhead per message and 9 clocks per byte at 5 MHz (radio notes §7; to be measured on a Pi) */
const SPIDEV_COST = { messageMs: 0.1, byteMs: 9 / 5_000 };

/** The fault from the options, else from WMBUS_SIM_FAULT; an unknown name is an error, not ignored. */
export function simFault(options: RadioOptions, env: NodeJS.ProcessEnv = process.env): SimFault | undefined {
  if (options.sim?.fault) return options.sim.fault;
  const value = env[SIM_FAULT_ENV];
  if (value === undefined || value === '') return undefined;
  if (!(SIM_FAULTS as readonly string[]).includes(value)) {
    throw new ScenarioError(`${SIM_FAULT_ENV}=${value} is not a simulated fault; use one of ${SIM_FAULTS.join(', ')}`);
  }
  return value as SimFault;
}

export async function openSimChip(options: RadioOptions, clock: Clock, onAirError: (err: Error) => void): Promise<SimCc1101> {
  const sim = options.sim ?? {};
  const fault = simFault(options);
  const ether = await buildEther(sim, clock, onAirError);
  return new SimCc1101({
    clock,
    ether,
    absent: sim.absent || fault === 'absent',
    version: fault === 'clone' ? CLONE_VERSION : undefined,
    pll: fault === 'pll-unlocked' ? 'never-locks' : 'locks',
    gdo2Unwired: fault === 'gdo2-unwired',
    device: `/dev/spidev${options.spi?.bus ?? 0}.${options.spi?.device ?? 0} (simulated CC1101)`,
    // On wall time the transfers take what they take; steady time has to be told.
    spiCost: sim.time === 'steady' ? SPIDEV_COST : undefined,
  });
}
