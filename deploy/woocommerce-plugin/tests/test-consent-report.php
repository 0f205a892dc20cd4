<?php
/**
 * Reporting an order's consent to Balas from WP-Cron, with retries.
 *
 * @package Balas_WhatsApp
 */

/** An order placed with the order-updates box (and, when asked, the promotions box) ticked. */
function order_with_consent( bool $promotions = false ): WC_Order {
	$order = new_order( 1207, 'TB-1207' );
	checkout()->save_classic( 1207, classic_post( array( 'balas_whatsapp_promotions' => $promotions ? 1 : 0 ) ) );
	return $order;
}

function report(): Balas_WhatsApp_Consent_Report {
	return new Balas_WhatsApp_Consent_Report( new Balas_WhatsApp_Options() );
}

function test_each_ticked_purpose_is_sent_with_its_own_wording_and_the_order_as_reference() {
	save_settings();
	$order = order_with_consent( true );

	report()->send( 1207, 1 );

	assert_same( 2, count( WP_Stub::$http_calls ) );
	assert_same( 'https://balas.example.com/api/stores/toko-batik/consent', WP_Stub::$http_calls[0]['url'] );
	assert_same( 'Bearer tok_0123456789abcdef', WP_Stub::$http_calls[0]['args']['headers']['Authorization'] );
	$bodies = array_map(
		function ( $call ) {
			return json_decode( $call['args']['body'], true );
		},
		WP_Stub::$http_calls
	);
	$at     = $order->meta['_balas_whatsapp_consent']['at'];
	assert_same(
		array(
			array(
				'phone'     => '0812-3456-7001',
				'purposes'  => array( 'order_updates' ),
				'state'     => 'granted',
				'wording'   => ORDER_UPDATES_WORDING,
				'reference' => 'order-TB-1207',
				'at'        => $at,
			),
			array(
				'phone'     => '0812-3456-7001',
				'purposes'  => array( 'promotions' ),
				'state'     => 'granted',
				'wording'   => PROMOTIONS_WORDING,
				'reference' => 'order-TB-1207',
				'at'        => $at,
			),
		),
		$bodies
	);
	assert_same( 0, WP_Stub::$http_calls[0]['args']['redirection'], 'the token never follows a redirect' );
	assert_same( true, '' !== $order->meta['_balas_whatsapp_consent_reported'] );
	assert_same( array(), WP_Stub::$cron );
}

function test_a_reported_order_is_not_sent_again() {
	save_settings();
	order_with_consent();
	report()->send( 1207, 1 );
	WP_Stub::$http_calls = array();

	report()->send( 1207, 1 ); // WP-Cron ran the event twice

	assert_same( array(), WP_Stub::$http_calls );
}

function test_an_unreachable_balas_is_tried_again_later_and_logged_without_the_number() {
	save_settings();
	$order                  = order_with_consent();
	WP_Stub::$http_response = new WP_Error( 'http_request_failed', 'cURL error 7: Failed to connect' );
	$before                 = time();

	report()->send( 1207, 1 );

	assert_same( array( array( 'hook' => 'balas_whatsapp_report_consent', 'args' => array( 1207, 2 ) ) ), cron_events() );
	assert_same( true, WP_Stub::$cron[0]['timestamp'] >= $before + 300, 'five minutes later' );
	assert_same( '', $order->get_meta( '_balas_whatsapp_consent_reported' ) );
	assert_same( array( 'Balas WhatsApp: the WhatsApp consent of order 1207 was not recorded by Balas (attempt 1, Balas unreachable); trying again later' ), WP_Stub::$logs );
	assert_not_contains( '3456', WP_Stub::$logs[0] );
	assert_not_contains( 'tok_', WP_Stub::$logs[0] );
}

function test_retries_wait_longer_each_time_then_stop() {
	save_settings();
	order_with_consent();
	WP_Stub::$http_response = array( 'response' => array( 'code' => 503 ) );
	$before                 = time();

	report()->send( 1207, 3 );
	report()->send( 1207, 9 );

	assert_same( array( array( 'hook' => 'balas_whatsapp_report_consent', 'args' => array( 1207, 4 ) ) ), cron_events() );
	assert_same( true, WP_Stub::$cron[0]['timestamp'] >= $before + 1200, 'twenty minutes after the third attempt' );
	assert_contains( '(attempt 9, HTTP 503); giving up', WP_Stub::$logs[1] );
}

function test_a_refused_token_is_retried_since_the_admin_can_fix_it() {
	save_settings();
	order_with_consent();
	WP_Stub::$http_response = array( 'response' => array( 'code' => 401 ) );

	report()->send( 1207, 1 );

	assert_same( 1, count( WP_Stub::$cron ) );
}

function test_a_number_balas_cannot_read_is_not_retried() {
	save_settings();
	order_with_consent();
	WP_Stub::$http_response = array( 'response' => array( 'code' => 422 ) );

	report()->send( 1207, 1 );

	assert_same( array(), WP_Stub::$cron );
	assert_contains( '(attempt 1, HTTP 422); giving up', WP_Stub::$logs[0] );
}

function test_nothing_is_sent_once_the_connection_is_removed() {
	save_settings();
	order_with_consent();
	save_settings( array( 'token' => '' ) );

	report()->send( 1207, 1 );

	assert_same( array(), WP_Stub::$http_calls );
}
