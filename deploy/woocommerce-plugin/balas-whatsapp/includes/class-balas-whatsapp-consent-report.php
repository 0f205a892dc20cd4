<?php
/**
 * Reports the consent kept on an order to Balas, after checkout, with retries.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

/**
 * POST <Balas URL>/api/stores/<store id>/consent, once per ticked purpose, from a WP-Cron event
 * scheduled when the order is placed: the customer never waits for Balas. Balas records a
 * checkout once per order number, so a retry after a partial success adds nothing twice. When
 * Balas cannot be reached or answers 5xx (or refuses the token, which the admin can fix) the
 * event is scheduled again, later each time, so an outage delays the report instead of losing
 * it; a body Balas rejects (400, 422: a number it cannot read) is logged and not retried.
 */
final class Balas_WhatsApp_Consent_Report {

	const HOOK          = 'balas_whatsapp_report_consent';
	const META_REPORTED = '_balas_whatsapp_consent_reported';

	/** Seconds to wait for Balas: this runs in a cron request, not while a customer waits. */
	const TIMEOUT = 10;

	/** Retries 5, 10, 20 ... minutes apart: the last is about a day after checkout. */
	const MAX_ATTEMPTS  = 9;
	const FIRST_BACKOFF = 300;

	/**
	 * The settings.
	 *
	 * @var Balas_WhatsApp_Options
	 */
	private $options;

	/**
	 * Builds the report over the plugin's settings.
	 *
	 * @param Balas_WhatsApp_Options $options The settings.
	 */
	public function __construct( Balas_WhatsApp_Options $options ) {
		$this->options = $options;
	}

	/**
	 * Hooks the cron event.
	 */
	public function register(): void {
		add_action( self::HOOK, array( $this, 'send' ), 10, 2 );
	}

	/**
	 * Schedules the first attempt for an order that carries consent, when Balas is configured.
	 *
	 * @param int $order_id The order.
	 */
	public function schedule( int $order_id ): void {
		$order = wc_get_order( $order_id );
		if ( $order && is_array( $order->get_meta( Balas_WhatsApp_Checkout::META_CONSENT ) ) && Balas_WhatsApp_Api::configured( $this->options->get() ) ) {
			wp_schedule_single_event( time(), self::HOOK, array( $order_id, 1 ) );
		}
	}

	/**
	 * The cron event: one attempt.
	 *
	 * @param int $order_id The order.
	 * @param int $attempt  1 for the first attempt.
	 */
	public function send( $order_id, $attempt = 1 ): void {
		$order    = wc_get_order( (int) $order_id );
		$settings = $this->options->get();
		if ( ! $order || '' !== (string) $order->get_meta( self::META_REPORTED ) || ! Balas_WhatsApp_Api::configured( $settings ) ) {
			return;
		}
		$consent = $order->get_meta( Balas_WhatsApp_Checkout::META_CONSENT );
		$status  = 200;
		foreach ( ( is_array( $consent ) ? $consent['purposes'] : array() ) as $purpose => $wording ) {
			$status = self::status( Balas_WhatsApp_Api::post( $settings, 'consent', self::body( $order, $consent['at'], $purpose, $wording ), self::TIMEOUT ) );
			if ( $status < 200 || $status >= 300 ) {
				break;
			}
		}
		if ( $status >= 200 && $status < 300 ) {
			$order->update_meta_data( self::META_REPORTED, gmdate( 'c' ) );
			$order->save();
			return;
		}
		$this->failed( (int) $order_id, (int) $attempt, $status );
	}

	/**
	 * What Balas is sent for one purpose. The number is sent as typed: Balas reads it in the
	 * store's country.
	 *
	 * @param WC_Order $order   The order.
	 * @param string   $at      When the customer placed the order (ISO 8601).
	 * @param string   $purpose order_updates or promotions.
	 * @param string   $wording The words next to the box.
	 */
	private static function body( $order, string $at, string $purpose, string $wording ): array {
		return array(
			'phone'     => (string) $order->get_meta( Balas_WhatsApp_Checkout::META_NUMBER ),
			'purposes'  => array( $purpose ),
			'state'     => 'granted',
			'wording'   => $wording,
			'reference' => 'order-' . $order->get_order_number(),
			'at'        => $at,
		);
	}

	/**
	 * The HTTP status of an answer; 0 when Balas could not be reached.
	 *
	 * @param array|WP_Error $response The answer.
	 */
	private static function status( $response ): int {
		return is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
	}

	/**
	 * Logs a failed attempt (the order and the status, never the number or the token) and
	 * schedules the next one when another attempt can help.
	 *
	 * @param int $order_id The order.
	 * @param int $attempt  The attempt that failed.
	 * @param int $status   Balas's HTTP status, 0 when unreachable.
	 */
	private function failed( int $order_id, int $attempt, int $status ): void {
		$final = in_array( $status, array( 400, 422 ), true ) || $attempt >= self::MAX_ATTEMPTS;
		if ( ! $final ) {
			wp_schedule_single_event( time() + self::FIRST_BACKOFF * ( 2 ** ( $attempt - 1 ) ), self::HOOK, array( $order_id, $attempt + 1 ) );
		}
		$message = sprintf(
			'Balas WhatsApp: the WhatsApp consent of order %d was not recorded by Balas (attempt %d, %s)%s',
			$order_id,
			$attempt,
			0 === $status ? 'Balas unreachable' : 'HTTP ' . $status,
			$final ? '; giving up' : '; trying again later'
		);
		if ( function_exists( 'wc_get_logger' ) ) {
			wc_get_logger()->warning( $message, array( 'source' => 'balas-whatsapp' ) );
		} else {
			error_log( $message ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log
		}
	}
}
